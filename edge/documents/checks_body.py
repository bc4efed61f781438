"""Pre-send checks on the body of a document: required sections, codes, units, links, PDF."""

from __future__ import annotations

import base64
import binascii
from enum import Enum

from lxml import etree

from edge.documents.cda import HL7, XSI_TYPE
from edge.documents.codes import VITAL_SIGNS

NS = {"h": HL7}
_BODY = "h:component/h:structuredBody/h:component/h:section"


class DocumentKind(Enum):
    """The document models the product generates."""

    DLU = "DLU"
    FLUDT = "FLUDT"
    N1 = "N1"


# (templateId of the section, its name for staff, required?) per model; at most one each.
_SECTIONS: dict[DocumentKind, tuple[tuple[str, str, bool], ...]] = {
    DocumentKind.DLU: (
        ("1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10", "Etablissement de santé de préférence", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.6", "Pathologies actives", False),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.8", "Antécédents médicaux", False),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.13", "Allergies et hypersensibilités", False),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.19", "Traitements", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.35", "Directives anticipées", True),
        ("1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "Etat psychique, handicaps et risques", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.28", "Bactérie multirésistante", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.23", "Vaccinations", False),
        ("1.2.250.1.213.1.1.2.37", "Documents annexés", True),
        ("1.3.6.1.4.1.19376.1.4.1.2.16", "Commentaires", False),
    ),
    DocumentKind.FLUDT: (
        ("1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "Transfert vers les urgences", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.25", "Signes vitaux", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.28", "Conscience et douleurs récentes", True),
        ("1.3.6.1.4.1.19376.1.5.3.1.3.19", "Dernière prise du traitement habituel", True),
        ("1.3.6.1.4.1.19376.1.7.3.1.1.13.5", "Dernier repas", True),
        ("1.2.250.1.213.1.1.2.53", "Prothèses et objets personnels", True),
        ("1.3.6.1.4.1.19376.1.4.1.2.16", "Commentaires", False),
    ),
}
_CONSCIOUSNESS = ("DLU_002", "DLU_003", "DLU_004")


def _all(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [element for element in found if isinstance(element, etree._Element)]


def body_problems(root: etree._Element, kind: DocumentKind) -> list[str]:
    """Reasons why the body does not hold what the model requires."""
    if kind is DocumentKind.N1:
        return _wrapped_pdf_problems(root)
    if not _all(root, "h:component/h:structuredBody"):
        return ["le corps structuré du document manque"]
    problems = _section_problems(root, kind)
    if kind is DocumentKind.FLUDT:
        problems += _transfer_problems(root)
    problems += _vital_sign_problems(root)
    problems += _annex_problems(root)
    problems += _code_problems(root)
    problems += _reference_problems(root)
    return problems


def _section_problems(root: etree._Element, kind: DocumentKind) -> list[str]:
    problems: list[str] = []
    for template, name, required in _SECTIONS[kind]:
        count = len(_all(root, f"{_BODY}[h:templateId/@root='{template}']"))
        if count == 0 and required:
            problems.append(f"la section « {name} » manque")
        elif count > 1:
            problems.append(f"la section « {name} » apparaît plusieurs fois")
    for section in _all(root, _BODY):
        if not _all(section, "h:code[@code and @codeSystem]"):
            problems.append("une section n'a pas de code LOINC")
        if not "".join(section.xpath("h:title//text()", namespaces=NS)).strip():
            problems.append("une section n'a pas de titre")
        if not _all(section, "h:text"):
            problems.append("une section n'a pas de texte lisible")
    return problems


def _transfer_problems(root: etree._Element) -> list[str]:
    problems: list[str] = []
    texts = [" ".join(element.itertext()).strip() for element in _all(
        root, f"{_BODY}//h:observation[h:code/@code='57277-6']/h:value/h:originalText")]
    targets = {element.get("ID"): element for element in root.iter() if element.get("ID")}
    for reference in _all(root, f"{_BODY}//h:observation[h:code/@code='57277-6']/h:value"
                                "/h:originalText/h:reference"):
        target = targets.get(reference.get("value", "").removeprefix("#"))
        if target is not None:
            texts.append(" ".join(target.itertext()).strip())
    if not any(texts):
        problems.append("le motif du transfert n'est pas renseigné")
    names = _all(root, f"{_BODY}//h:act[h:code/@code='80413-8']/h:participant[@typeCode='DST']"
                 "/h:participantRole/h:playingEntity/h:name[normalize-space()]")
    if not names:
        problems.append("l'établissement de destination n'est pas renseigné")
    states = [code for code in _CONSCIOUSNESS
              if _all(root, f"{_BODY}//h:observation[h:code/@code='{code}']")]
    if len(states) != 1:
        problems.append("l'état de conscience du résident n'est pas renseigné")
    return problems


def _vital_sign_problems(root: etree._Element) -> list[str]:
    problems: list[str] = []
    path = ".//h:observation[h:templateId/@root='1.3.6.1.4.1.19376.1.5.3.1.4.13.2']"
    for observation in _all(root, path):
        code = observation.find(f"{{{HL7}}}code")
        value = observation.find(f"{{{HL7}}}value")
        loinc = code.get("code", "") if code is not None else ""
        known = VITAL_SIGNS.get(loinc)
        if known is None:
            problems.append(f"le signe vital de code « {loinc} » n'est pas un code admis")
            continue
        if value is None or value.get(XSI_TYPE) != "PQ":
            problems.append(f"la mesure « {known.code.display} » n'a pas de valeur")
        elif value.get("nullFlavor") is None and (
                value.get("value") is None or value.get("unit") not in known.units):
            units = ", ".join(sorted(known.units))
            problems.append(f"la mesure « {known.code.display} » doit être exprimée en {units}")
    return problems


def _annex_problems(root: etree._Element) -> list[str]:
    for value in _all(root, f"{_BODY}//h:observationMedia/h:value"):
        if not _is_pdf(value.text):
            return ["un document annexé n'est pas un PDF lisible"]
    return []


def _is_pdf(text: str | None) -> bool:
    try:
        content = base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return content.startswith(b"%PDF-")


def _code_problems(root: etree._Element) -> list[str]:
    coded = _all(root, f"{_BODY}//*[@code and not(@codeSystem)][local-name()!='statusCode']")
    return ["un élément codé n'indique pas son système de codage"] if coded else []


def _reference_problems(root: etree._Element) -> list[str]:
    targets = {value for value in root.xpath("//@ID")}
    for reference in _all(root, f"{_BODY}//h:reference[@value]"):
        value = reference.get("value", "")
        if not value.startswith("#") or value[1:] not in targets:
            return ["une donnée codée renvoie vers un texte absent du document"]
    return []


def _wrapped_pdf_problems(root: etree._Element) -> list[str]:
    problems: list[str] = []
    if len(_all(root, "h:templateId")) != 3:
        problems.append("un document PDF encapsulé doit déclarer exactement trois modèles")
    texts = _all(root, "h:component/h:nonXMLBody/h:text")
    if not texts:
        return [*problems, "le document joint (PDF) manque"]
    text = texts[0]
    if text.get("mediaType") != "application/pdf" or text.get("representation") != "B64":
        problems.append("le document joint doit être un PDF encodé en base64")
    if not _is_pdf(text.text):
        problems.append("le document joint n'est pas un PDF lisible")
    return problems
