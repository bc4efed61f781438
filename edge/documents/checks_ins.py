"""Pre-send checks on the patient in a CDA header: the INS rule and the identity gate.

INS rule (CI-SIS structuration minimale): a recordTarget id in an INS namespace requires the
birth family name, the first birth given name, the list of birth given names, the birth
date, the birthplace COG code and the sex; names carry only the qualifiers BR, CL (or SP).
Identity gate: the matricule appears only for a qualified (QUAL) identity.
"""

from __future__ import annotations

import base64
import binascii
import re

from lxml import etree

from edge.documents.cda import HL7
from edge.documents.errors import IdentityNotShareable
from edge.documents.ins import INS_ROOTS, cog_is_valid, matricule_is_valid
from edge.documents.model import IdentityStatus, PatientIdentity

NS = {"h": HL7}
_PATIENT = "h:recordTarget/h:patientRole/h:patient"
_ALLOWED_QUALIFIERS = {"BR", "CL", "SP"}
_DAY = re.compile(r"^[0-9]{8}")

_INS_TRAITS = (
    (f"{_PATIENT}/h:name/h:family[@qualifier='BR'][normalize-space()]",
     "le nom de naissance du résident manque"),
    (f"{_PATIENT}/h:name/h:given[@qualifier='BR'][normalize-space()]",
     "le premier prénom de naissance du résident manque"),
    (f"{_PATIENT}/h:name/h:given[not(@qualifier)][normalize-space()]",
     "la liste des prénoms de naissance du résident manque"),
    (f"{_PATIENT}/h:birthTime[@value]", "la date de naissance du résident manque"),
    (f"{_PATIENT}/h:birthplace/h:place/h:addr/h:county[normalize-space()]",
     "le code INSEE du lieu de naissance du résident manque"),
    (f"{_PATIENT}/h:administrativeGenderCode[@code]", "le sexe du résident manque"),
)


def _first(root: etree._Element, path: str) -> etree._Element | None:
    found = root.xpath(path, namespaces=NS)
    return found[0] if isinstance(found, list) and found else None


def ins_ids(root: etree._Element) -> list[etree._Element]:
    """The recordTarget ids that are in an INS namespace."""
    ids = root.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)
    assert isinstance(ids, list)
    return [element for element in ids
            if isinstance(element, etree._Element) and element.get("root") in INS_ROOTS]


def ins_header_problems(root: etree._Element) -> list[str]:
    """Reasons why the patient part of the header breaks the INS rule (empty if it holds)."""
    problems: list[str] = []
    for element in root.xpath(f"{_PATIENT}/h:name/*[@qualifier]", namespaces=NS):
        assert isinstance(element, etree._Element)
        if element.get("qualifier") not in _ALLOWED_QUALIFIERS:
            problems.append("un nom ou prénom du résident porte un qualificatif non admis "
                            "(seuls « naissance » et « utilisé » le sont)")
            break
    found = ins_ids(root)
    if not found:
        return problems
    if len(found) > 1:
        problems.append("le document porte plusieurs matricules INS")
    if not matricule_is_valid(found[0].get("extension") or ""):
        problems.append("le matricule INS est mal formé ou sa clé de contrôle est fausse")
    for path, reason in _INS_TRAITS:
        if _first(root, path) is None:
            problems.append(f"INS présent : {reason}")
    county = _first(root, f"{_PATIENT}/h:birthplace/h:place/h:addr/h:county")
    if county is not None and county.text and not cog_is_valid(county.text.strip()):
        problems.append("le code INSEE du lieu de naissance est mal formé")
    return problems


def identity_problems(root: etree._Element, identity: PatientIdentity) -> list[str]:
    """Reasons why the document does not match the resident's current identity."""
    problems: list[str] = []
    found = ins_ids(root)
    if identity.status is IdentityStatus.QUAL:
        if identity.ins is None:
            problems.append("l'identité est qualifiée mais son matricule INS n'est pas "
                            "renseigné dans le dossier")
        elif not found or found[0].get("extension") != identity.ins.matricule:
            problems.append("le matricule INS du document ne correspond pas à celui du "
                            "résident")
    birth = _first(root, f"{_PATIENT}/h:birthTime")
    value = birth.get("value", "") if birth is not None else ""
    if _DAY.match(value) and value[:8] != identity.birth_date.strftime("%Y%m%d"):
        problems.append("la date de naissance du document ne correspond pas à l'identité "
                        "du résident")
    family = _first(root, f"{_PATIENT}/h:name/h:family[@qualifier='BR']")
    if family is not None and (family.text or "").strip() != identity.birth_family_name:
        problems.append("le nom de naissance du document ne correspond pas à l'identité "
                        "du résident")
    return problems


def refuse_unshareable_matricule(xml: bytes, root: etree._Element,
                                 identity: PatientIdentity) -> None:
    """Refuse a document that would carry the matricule of a non-qualified identity.

    :raises IdentityNotShareable: if the identity is not QUAL and the document holds an INS
        identifier or the resident's matricule anywhere in its bytes.
    """
    if identity.status is IdentityStatus.QUAL:
        return
    if ins_ids(root):
        raise IdentityNotShareable
    if identity.ins is None:
        return
    matricule = identity.ins.matricule.encode("ascii")
    if matricule in xml or any(matricule in payload for payload in _embedded_files(root)):
        raise IdentityNotShareable


def _embedded_files(root: etree._Element) -> list[bytes]:
    """The decoded base64 payloads (annexes, wrapped PDF), where a matricule could hide."""
    payloads: list[bytes] = []
    for element in root.iter(f"{{{HL7}}}*"):
        if element.get("representation") == "B64" and element.text:
            try:
                payloads.append(base64.b64decode(element.text, validate=False))
            except binascii.Error:
                continue
    return payloads
