"""The matricule leaves only for a qualified identity: never in the XML (or its PDF) otherwise."""

from __future__ import annotations

from dataclasses import replace

import pytest
from document_samples import NOW, TINY_PDF, context, full_record, transfer, unqualified_record
from lxml import etree

from edge.documents import (
    Attachment,
    DocumentIncomplete,
    DocumentKind,
    IdentityNotShareable,
    IdentityStatus,
    build_dlu,
    build_fludt,
    build_n1,
    check_document,
)
from edge.documents.codes import LOINC, Code

HL7 = {"h": "urn:hl7-org:v3"}
N1_TYPE = Code("57833-6", LOINC, "Prescription de produits de santé")
UNQUALIFIED_MATRICULE = "279035121518989"


def all_documents(record_name: str = "unqualified") -> dict[DocumentKind, bytes]:
    record = {"unqualified": unqualified_record, "full": full_record}[record_name]()
    return {
        DocumentKind.DLU: build_dlu(record, context(record_name, "dlu")),
        DocumentKind.FLUDT: build_fludt(record, transfer(), context(record_name, "fludt")),
        DocumentKind.N1: build_n1(record.identity, record.care_home,
                                  Attachment("Ordonnance", N1_TYPE, TINY_PDF, NOW),
                                  context(record_name, "n1")),
    }


@pytest.mark.parametrize("status", [IdentityStatus.PROV, IdentityStatus.RECUP,
                                    IdentityStatus.VALI])
def test_a_non_qualified_matricule_appears_nowhere_in_the_documents(
        status: IdentityStatus) -> None:
    record = unqualified_record()
    record = replace(record, identity=replace(record.identity, status=status))
    xml = build_dlu(record, context("unqualified", "dlu"))
    assert UNQUALIFIED_MATRICULE.encode() not in xml
    assert etree.fromstring(xml).xpath("//h:patientRole/h:id/@root", namespaces=HL7) == [
        record.identity.ipp.root]
    check_document(xml, DocumentKind.DLU, record.identity)


def test_no_document_of_a_non_qualified_identity_holds_its_matricule() -> None:
    identity = unqualified_record().identity
    assert identity.ins is not None
    for kind, xml in all_documents().items():
        assert UNQUALIFIED_MATRICULE.encode() not in xml
        check_document(xml, kind, identity)


def test_a_document_built_while_qualified_is_refused_once_the_identity_is_doubted() -> None:
    doubted = replace(full_record().identity, status=IdentityStatus.VALI)
    for kind, xml in all_documents("full").items():
        with pytest.raises(IdentityNotShareable):
            check_document(xml, kind, doubted)


def test_a_matricule_hidden_in_an_attached_file_is_refused_for_a_non_qualified_identity(
        ) -> None:
    record = unqualified_record()
    leaking = TINY_PDF.replace(b"%%EOF", f"% INS {UNQUALIFIED_MATRICULE}\n%%EOF".encode())
    xml = build_n1(record.identity, record.care_home,
                   Attachment("Courrier", N1_TYPE, leaking, NOW), context("unqualified", "n1"))
    assert UNQUALIFIED_MATRICULE.encode() not in xml
    with pytest.raises(IdentityNotShareable):
        check_document(xml, DocumentKind.N1, record.identity)


def test_a_qualified_identity_without_its_matricule_is_refused() -> None:
    record = full_record()
    xml = build_dlu(record, context("full", "dlu"))
    without_ins = replace(record.identity, ins=None)
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(build_dlu(replace(record, identity=without_ins),
                                 context("full", "dlu")), DocumentKind.DLU, without_ins)
    assert refused.value.problems == (
        "l'identité est qualifiée mais son matricule INS n'est pas renseigné dans le dossier",)
    check_document(xml, DocumentKind.DLU, record.identity)


def test_a_document_for_another_resident_is_refused() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    other = unqualified_record().identity
    with pytest.raises(DocumentIncomplete) as refused:
        check_document(xml, DocumentKind.DLU, replace(other, status=IdentityStatus.QUAL))
    assert "le matricule INS du document ne correspond pas à celui du résident" in (
        refused.value.problems)
    assert ("la date de naissance du document ne correspond pas à l'identité du résident"
            in refused.value.problems)
