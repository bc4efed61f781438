"""The product's own pre-send checks: each missing element is refused with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from document_samples import (
    NOW,
    RESIDENTS,
    TINY_PDF,
    context,
    empty_record,
    full_record,
    identity,
    transfer,
)
from lxml import etree

from edge.documents import (
    Attachment,
    DocumentIncomplete,
    DocumentKind,
    IdentityStatus,
    InstanceId,
    VitalSign,
    build_dlu,
    build_fludt,
    build_n1,
    check_document,
)
from edge.documents.codes import LOINC, Code, Sex

HL7 = {"h": "urn:hl7-org:v3"}
N1_TYPE = Code("57833-6", LOINC, "Prescription de produits de santé")


def dlu() -> bytes:
    return build_dlu(full_record(), context("full", "dlu"))


def fludt() -> bytes:
    return build_fludt(full_record(), transfer(), context("full", "fludt"))


def n1() -> bytes:
    record = full_record()
    return build_n1(record.identity, record.care_home,
                    Attachment("Ordonnance", N1_TYPE, TINY_PDF, NOW), context("full", "n1"))


def without(xml: bytes, path: str) -> bytes:
    root = etree.fromstring(xml)
    found = root.xpath(path, namespaces=HL7)
    assert found, path
    for element in found:
        if isinstance(element, etree._Element):
            element.getparent().remove(element)
        else:  # an attribute
            element.getparent().attrib.pop(element.attrname)
    return etree.tostring(root)


def problems(xml: bytes, kind: DocumentKind) -> tuple[str, ...]:
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, kind, full_record().identity)
    return refused.value.problems


@pytest.mark.parametrize("name", sorted(RESIDENTS))
def test_generated_documents_pass_the_checks(name: str) -> None:
    record = RESIDENTS[name]()
    check_document(build_dlu(record, context(name, "dlu")), DocumentKind.DLU, record.identity)
    check_document(build_fludt(record, transfer(full=name != "empty"), context(name, "fludt")),
                   DocumentKind.FLUDT, record.identity)
    check_document(build_n1(record.identity, record.care_home,
                            Attachment("Ordonnance", N1_TYPE, TINY_PDF, NOW),
                            context(name, "n1")), DocumentKind.N1, record.identity)


HEADER_CASES = [
    ("/h:ClinicalDocument/h:templateId[@root='1.2.250.1.213.1.1.1.22']",
     "le document ne déclare pas le modèle DLU"),
    ("/h:ClinicalDocument/h:templateId[@root='1.2.250.1.213.1.1.1.1']",
     "le document ne déclare pas le modèle du CI-SIS"),
    ("/h:ClinicalDocument/h:id", "l'identifiant unique du document manque ou n'est pas un OID"),
    ("/h:ClinicalDocument/h:code", "le type du document (code) manque"),
    ("/h:ClinicalDocument/h:title", "le titre du document manque"),
    ("/h:ClinicalDocument/h:effectiveTime",
     "la date du document manque ou n'indique pas son fuseau horaire"),
    ("/h:ClinicalDocument/h:confidentialityCode",
     "le niveau de confidentialité manque ou n'est pas N, R ou V"),
    ("/h:ClinicalDocument/h:languageCode", "la langue du document doit être le français (fr-FR)"),
    ("/h:ClinicalDocument/h:setId", "l'identifiant commun des versions du document manque"),
    ("/h:ClinicalDocument/h:versionNumber", "le numéro de version du document manque"),
    ("//h:patientRole/h:id[@root='1.2.250.1.999.1.1.1']",
     "l'identifiant du résident dans l'établissement (IPP) manque"),
    ("//h:patient/h:administrativeGenderCode", "le sexe du résident manque"),
    ("//h:patient/h:birthTime", "la date de naissance du résident manque"),
    ("//h:author/h:assignedAuthor/h:id",
     "l'auteur du document n'a pas d'identifiant (RPPS ou identifiant interne)"),
    ("//h:author/h:assignedAuthor/h:assignedPerson", "le nom de l'auteur du document manque"),
    ("//h:representedCustodianOrganization/h:id",
     "le numéro FINESS de l'établissement manque ou est mal formé"),
    ("//h:representedCustodianOrganization/h:name", "le nom de l'établissement manque"),
    ("//h:legalAuthenticator/h:signatureCode",
     "la signature du document (date du responsable) manque"),
    ("//h:legalAuthenticator/h:assignedEntity/h:id",
     "le responsable du document n'a pas d'identifiant"),
    ("//h:serviceEvent/h:code",
     "la nature de la prise en charge documentée est absente ou fausse"),
    ("//h:serviceEvent/h:effectiveTime", "la date de la prise en charge documentée manque"),
    ("//h:serviceEvent//h:standardIndustryClassCode",
     "le cadre d'exercice de l'établissement manque"),
    ("//h:encompassingEncounter/h:code", "le type de prise en charge (séjour) manque"),
    ("//h:healthCareFacility/h:code", "le type d'établissement (EHPAD) manque"),
    ("/h:ClinicalDocument/h:participant[@typeCode='INF']", "la rubrique du médecin traitant manque"),
]


@pytest.mark.parametrize(("path", "reason"), HEADER_CASES)
def test_a_dlu_header_without_a_required_element_is_refused_with_its_reason(
        path: str, reason: str) -> None:
    assert reason in problems(without(dlu(), path), DocumentKind.DLU)


DLU_SECTIONS = [
    ("1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10", "Etablissement de santé de préférence"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.19", "Traitements"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.35", "Directives anticipées"),
    ("1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "Etat psychique, handicaps et risques"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.28", "Bactérie multirésistante"),
    ("1.2.250.1.213.1.1.2.37", "Documents annexés"),
]
FLUDT_SECTIONS = [
    ("1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "Transfert vers les urgences"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.25", "Signes vitaux"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.28", "Conscience et douleurs récentes"),
    ("1.3.6.1.4.1.19376.1.5.3.1.3.19", "Dernière prise du traitement habituel"),
    ("1.3.6.1.4.1.19376.1.7.3.1.1.13.5", "Dernier repas"),
    ("1.2.250.1.213.1.1.2.53", "Prothèses et objets personnels"),
]


@pytest.mark.parametrize(("template", "name"), DLU_SECTIONS)
def test_a_dlu_without_a_required_section_is_refused_with_the_section_named(
        template: str, name: str) -> None:
    xml = without(dlu(), f"//h:section[h:templateId/@root='{template}']/..")
    assert f"la section « {name} » manque" in problems(xml, DocumentKind.DLU)


@pytest.mark.parametrize(("template", "name"), FLUDT_SECTIONS)
def test_a_fludt_without_a_required_section_is_refused_with_the_section_named(
        template: str, name: str) -> None:
    xml = without(fludt(), f"//h:section[h:templateId/@root='{template}']/..")
    assert f"la section « {name} » manque" in problems(xml, DocumentKind.FLUDT)


def test_a_section_present_twice_is_refused() -> None:
    root = etree.fromstring(dlu())
    body = root.find(".//{urn:hl7-org:v3}structuredBody")
    body.append(etree.fromstring(etree.tostring(body[1])))
    reasons = problems(etree.tostring(root), DocumentKind.DLU)
    assert "la section « Allergies et hypersensibilités » apparaît plusieurs fois" in reasons


def test_a_transfer_without_reason_or_consciousness_is_refused_with_both_reasons() -> None:
    sheet = replace(transfer(), reason=" ", consciousness=None)
    xml = build_fludt(full_record(), sheet, context("full", "fludt"))
    reasons = problems(xml, DocumentKind.FLUDT)
    assert "le motif du transfert n'est pas renseigné" in reasons
    assert "l'état de conscience du résident n'est pas renseigné" in reasons


def test_a_transfer_without_destination_name_is_refused() -> None:
    sheet = replace(transfer(), destination=replace(transfer().destination, name=""))
    xml = build_fludt(full_record(), sheet, context("full", "fludt"))
    assert "l'établissement de destination n'est pas renseigné" in problems(
        xml, DocumentKind.FLUDT)


def test_a_vital_sign_in_the_wrong_unit_is_refused_with_the_allowed_units() -> None:
    record = replace(empty_record(), vital_signs=(
        VitalSign("8310-5", "kg", Decimal("37.2"), NOW - timedelta(hours=1)),))
    xml = build_fludt(record, transfer(), context("empty", "fludt"))
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, DocumentKind.FLUDT, record.identity)
    assert refused.value.problems == (
        "la mesure « Température corporelle » doit être exprimée en Cel, [degF]",)


def test_a_vital_sign_code_outside_the_value_set_is_refused() -> None:
    record = replace(empty_record(), vital_signs=(
        VitalSign("2708-6", "%", Decimal("95"), NOW - timedelta(hours=1)),))
    xml = build_fludt(record, transfer(), context("empty", "fludt"))
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, DocumentKind.FLUDT, record.identity)
    assert refused.value.problems == ("le signe vital de code « 2708-6 » n'est pas un code admis",)


def test_an_entry_pointing_to_missing_text_is_refused() -> None:
    xml = without(dlu(), "//h:section//h:content[@ID='allergie-1']")
    assert "une donnée codée renvoie vers un texte absent du document" in problems(
        xml, DocumentKind.DLU)


def test_a_new_version_must_name_the_document_it_replaces() -> None:
    base = context("full", "dlu")
    second = replace(base, document_id=InstanceId(base.document_id.root + ".2"), version=2)
    reasons = problems(build_dlu(full_record(), second), DocumentKind.DLU)
    assert reasons == ("une nouvelle version doit désigner le document qu'elle remplace",)
    replacing = replace(second, replaces=base.document_id)
    xml = build_dlu(full_record(), replacing)
    check_document(xml, DocumentKind.DLU, full_record().identity)
    assert etree.fromstring(xml).xpath(
        "//h:relatedDocument[@typeCode='RPLC']/h:parentDocument/h:id/@root",
        namespaces=HL7) == [base.document_id.root]


def test_an_n1_whose_content_is_not_a_pdf_is_refused() -> None:
    root = etree.fromstring(n1())
    root.find(".//{urn:hl7-org:v3}nonXMLBody/{urn:hl7-org:v3}text").text = "bm90IGEgcGRm"
    assert problems(etree.tostring(root), DocumentKind.N1) == (
        "le document joint n'est pas un PDF lisible",)


def test_an_annex_that_is_not_a_pdf_is_refused() -> None:
    record = replace(full_record(), annexes=(replace(full_record().annexes[0], pdf=b"GIF89a"),))
    xml = build_dlu(record, context("full", "dlu"))
    assert problems(xml, DocumentKind.DLU) == ("un document annexé n'est pas un PDF lisible",)


def test_an_n1_with_an_extra_template_is_refused() -> None:
    root = etree.fromstring(n1())
    root.insert(3, etree.fromstring(
        '<templateId xmlns="urn:hl7-org:v3" root="1.2.250.1.213.1.1.1.22"/>'))
    assert problems(etree.tostring(root), DocumentKind.N1) == (
        "un document PDF encapsulé doit déclarer exactement trois modèles",)


def test_a_text_that_is_not_xml_is_refused() -> None:
    assert problems(b"<ClinicalDocument", DocumentKind.DLU) == (
        "le document n'est pas un XML lisible",)


def test_the_refusal_message_lists_every_reason_in_french() -> None:
    xml = without(dlu(), "//h:patient/h:birthTime | /h:ClinicalDocument/h:title")
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, DocumentKind.DLU, full_record().identity)
    assert str(refused.value).startswith("Document incomplet, il ne peut pas être envoyé : ")
    assert "le titre du document manque" in str(refused.value)
    assert "la date de naissance du résident manque" in str(refused.value)


@pytest.mark.parametrize(("example", "kind"), [("DLU-EHPAD-DLU_2022.01.xml", DocumentKind.DLU),
                                               ("DLU-EHPAD-FLUDT_2022.01.xml", DocumentKind.FLUDT)])
def test_the_ans_examples_fail_only_on_their_dangling_narrative_links(
        shared: Path, example: str, kind: DocumentKind) -> None:
    """Our checks are not stricter than the reference documents, except on one real defect:
    the ANS examples point some entries at `#xxx`, a text that does not exist."""
    patient = identity("279035121518989", IdentityStatus.QUAL, family="PAT-TROIS",
                       given=("DOMINIQUE", "MARIE-LOUISE"), born=date(1979, 3, 28),
                       sex=Sex.F, cog="51215", ipp="1234567890121")
    xml = (shared / "specs" / "cda" / "ExemplesCDA" / example).read_bytes()
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, kind, patient)
    assert refused.value.problems == ("une donnée codée renvoie vers un texte absent du document",)
