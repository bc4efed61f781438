"""The product's own checks before a document is queued for the national services.

`check_document` reads the generated XML (not the builder's inputs) and refuses a document
that lacks a required element, code or identity trait, with one plain French reason per
problem, or that would let the matricule of a non-qualified identity leave the appliance.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

from edge.documents.cda import HL7
from edge.documents.checks_body import DocumentKind, body_problems
from edge.documents.checks_ins import (
    identity_problems,
    ins_header_problems,
    refuse_unshareable_matricule,
)
from edge.documents.errors import DocumentIncomplete
from edge.documents.ins import INS_ROOTS
from edge.documents.model import PatientIdentity

__all__ = ["DocumentKind", "check_document", "header_problems"]

_LOGGER = logging.getLogger(__name__)
NS = {"h": HL7}
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
_TIMESTAMP = re.compile(r"^[0-9]{14}[+-][0-9]{4}$")
_FINESS_STRUCT = re.compile(r"^1[0-9A-B]{9}$")
_PATIENT = "h:recordTarget/h:patientRole/h:patient"

_MODEL_TEMPLATE = {
    DocumentKind.DLU: ("1.2.250.1.213.1.1.1.22", "DLU"),
    DocumentKind.FLUDT: ("1.2.250.1.213.1.1.1.23", "FLUDT"),
    DocumentKind.N1: ("1.3.6.1.4.1.19376.1.2.20", "document PDF encapsulé"),
}
_SERVICE_EVENT = {DocumentKind.DLU: "34117-2", DocumentKind.FLUDT: "28651-8"}

# (XPath that must match, reason when it does not) for every document.
_REQUIRED = (
    ("h:realmCode[@code='FR']", "le document ne se déclare pas français (realmCode FR)"),
    ("h:typeId[@root='2.16.840.1.113883.1.3'][@extension='POCD_HD000040']",
     "le document ne se déclare pas CDA R2"),
    ("h:templateId[@root='2.16.840.1.113883.2.8.2.1']",
     "le document ne déclare pas le modèle HL7 France"),
    ("h:templateId[@root='1.2.250.1.213.1.1.1.1']",
     "le document ne déclare pas le modèle du CI-SIS"),
    ("h:code[@code and @codeSystem]", "le type du document (code) manque"),
    ("h:title[normalize-space()]", "le titre du document manque"),
    ("h:confidentialityCode[@codeSystem='2.16.840.1.113883.5.25']"
     "[@code='N' or @code='R' or @code='V']",
     "le niveau de confidentialité manque ou n'est pas N, R ou V"),
    ("h:languageCode[@code='fr-FR']", "la langue du document doit être le français (fr-FR)"),
    ("h:recordTarget/h:patientRole/h:id[@root][@extension]"
     + "".join(f"[@root!='{root}']" for root in sorted(INS_ROOTS)),
     "l'identifiant du résident dans l'établissement (IPP) manque"),
    (f"{_PATIENT}/h:name/h:family[normalize-space()]", "le nom du résident manque"),
    (f"{_PATIENT}/h:name/h:given[normalize-space()]", "le prénom du résident manque"),
    (f"{_PATIENT}/h:administrativeGenderCode[@code='M' or @code='F']",
     "le sexe du résident manque"),
    (f"{_PATIENT}/h:birthTime[@value]", "la date de naissance du résident manque"),
    ("h:author/h:time[@value]", "la date de rédaction par l'auteur manque"),
    ("h:author/h:assignedAuthor/h:id[@root='1.2.250.1.71.4.2.1'][@extension]",
     "l'auteur du document n'a pas d'identifiant (RPPS ou identifiant interne)"),
    ("h:author/h:assignedAuthor/h:assignedPerson/h:name/h:family[normalize-space()]",
     "le nom de l'auteur du document manque"),
    ("h:custodian/h:assignedCustodian/h:representedCustodianOrganization"
     "/h:name[normalize-space()]", "le nom de l'établissement manque"),
    ("h:legalAuthenticator[h:signatureCode/@code='S']/h:time[@value]",
     "la signature du document (date du responsable) manque"),
    ("h:legalAuthenticator/h:assignedEntity/h:id[@root='1.2.250.1.71.4.2.1'][@extension]",
     "le responsable du document n'a pas d'identifiant"),
    ("h:legalAuthenticator/h:assignedEntity/h:assignedPerson/h:name/h:family"
     "[normalize-space()]", "le nom du responsable du document manque"),
    ("h:documentationOf/h:serviceEvent/h:effectiveTime/h:low[@value]",
     "la date de la prise en charge documentée manque"),
    ("h:documentationOf/h:serviceEvent/h:performer/h:assignedEntity/h:representedOrganization"
     "/h:standardIndustryClassCode[@code]", "le cadre d'exercice de l'établissement manque"),
    ("h:componentOf/h:encompassingEncounter/h:code[@code]",
     "le type de prise en charge (séjour) manque"),
    ("h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code[@code]",
     "le type d'établissement (EHPAD) manque"),
)


def _has(root: etree._Element, path: str) -> bool:
    found = root.xpath(path, namespaces=NS)
    return bool(found)


def header_problems(root: etree._Element, kind: DocumentKind) -> list[str]:
    """Reasons why the header lacks what every document (and its model) requires."""
    problems = [reason for path, reason in _REQUIRED if not _has(root, path)]
    template, name = _MODEL_TEMPLATE[kind]
    if not _has(root, f"h:templateId[@root='{template}']"):
        problems.append(f"le document ne déclare pas le modèle {name}")
    if kind is not DocumentKind.N1 and not _has(root, "h:code[@code='74207-2']"):
        problems.append("le type du document doit être « Document de liaison d'urgence »")
    if kind in _SERVICE_EVENT and not _has(
            root, f"h:documentationOf/h:serviceEvent/h:code[@code='{_SERVICE_EVENT[kind]}']"):
        problems.append("la nature de la prise en charge documentée est absente ou fausse")
    if kind is DocumentKind.DLU and not _has(
            root, "h:participant[@typeCode='INF'][h:functionCode/@code='PCP']"):
        problems.append("la rubrique du médecin traitant manque")
    ident = root.find(f"{{{HL7}}}id")
    if ident is None or not _OID.match(ident.get("root", "")):
        problems.append("l'identifiant unique du document manque ou n'est pas un OID")
    time = root.find(f"{{{HL7}}}effectiveTime")
    if time is None or not _TIMESTAMP.match(time.get("value", "")):
        problems.append("la date du document manque ou n'indique pas son fuseau horaire")
    set_id = root.find(f"{{{HL7}}}setId")
    if set_id is None or not _OID.match(set_id.get("root", "")):
        problems.append("l'identifiant commun des versions du document manque")
    problems += _version_problems(root)
    custodian = root.xpath("h:custodian/h:assignedCustodian/h:representedCustodianOrganization"
                           "/h:id[@root='1.2.250.1.71.4.2.2']/@extension", namespaces=NS)
    if not (isinstance(custodian, list) and custodian
            and _FINESS_STRUCT.match(str(custodian[0]))):
        problems.append("le numéro FINESS de l'établissement manque ou est mal formé")
    return problems


def _version_problems(root: etree._Element) -> list[str]:
    version = root.find(f"{{{HL7}}}versionNumber")
    value = version.get("value", "") if version is not None else ""
    if not value.isdigit() or int(value) < 1:
        return ["le numéro de version du document manque"]
    if int(value) > 1 and not _has(root, "h:relatedDocument[@typeCode='RPLC']"
                                         "/h:parentDocument/h:id[@root]"):
        return ["une nouvelle version doit désigner le document qu'elle remplace"]
    return []


def check_document(xml: bytes, kind: DocumentKind, identity: PatientIdentity) -> None:
    """Refuse a document that must not be queued; return quietly when it may be.

    :param identity: the resident's identity as the record holds it now.
    :raises IdentityNotShareable: the matricule of a non-qualified identity is in it.
    :raises DocumentIncomplete: something required is missing or wrong (reasons listed).
    """
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        raise DocumentIncomplete(("le document n'est pas un XML lisible",)) from error
    if root.tag != f"{{{HL7}}}ClinicalDocument":
        raise DocumentIncomplete(("le document n'est pas un document CDA",))
    refuse_unshareable_matricule(xml, root, identity)
    problems = header_problems(root, kind)
    problems += ins_header_problems(root)
    problems += identity_problems(root, identity)
    problems += body_problems(root, kind)
    if problems:
        _LOGGER.info("%s refused by the pre-send checks: %s problem(s)", kind.value,
                     len(problems))
        raise DocumentIncomplete(tuple(dict.fromkeys(problems)))
