"""The XDS envelope of a generated document: read from the CDA, visibility rules, JSON round-trip."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from document_samples import NOW, TINY_PDF, context, full_record, transfer, unqualified_record

from edge.documents import (
    AssociationType,
    Attachment,
    DocumentKind,
    MetadataUnreadable,
    Recipient,
    RecipientKind,
    Replacement,
    Visibility,
    build_dlu,
    build_fludt,
    build_metadata,
    build_n1,
    metadata_from_json,
    metadata_to_json,
    mssante_recipients,
)
from edge.documents.codes import LOINC, Code

HOSPITAL = Recipient("urgences@ch-exemple.mssante.fr", RecipientKind.ORGANISATION)
DOCTOR = Recipient("anne.lefebvre@medecin.mssante.fr", RecipientKind.PROFESSIONAL)
PATIENT = Recipient("238057505612313@patient.mssante.fr", RecipientKind.PATIENT)


def dlu_metadata(**options):
    record = full_record()
    xml = build_dlu(record, context("full", "dlu"))
    return xml, build_metadata(xml, DocumentKind.DLU, record.identity, record.care_home,
                               submission_time=NOW, **options)


def test_the_entry_is_read_from_the_generated_cda() -> None:
    xml, metadata = dlu_metadata()
    entry = metadata.entry
    assert entry.unique_id == context("full", "dlu").document_id.root
    assert entry.title == "DOCUMENT DE LIAISON D'URGENCE"
    assert (entry.type_code.code, entry.type_code.scheme) == ("74207-2", LOINC)
    assert entry.format_code.code == "urn:asip:ci-sis:dlu:2015"
    assert entry.class_code.code == "11"
    # 14:30 at UTC+1 is 13:30 UTC
    assert entry.creation_time == "20261120133000"
    assert entry.healthcare_facility_type_code.code == "SA17"
    assert entry.practice_setting_code.code == "ESSMS"
    assert [c.code for c in entry.confidentiality_codes] == ["N"]
    assert entry.hash == hashlib.sha1(xml).hexdigest()
    assert entry.size == len(xml)
    assert entry.patient_id == "238057505612313^^^&1.2.250.1.213.1.4.10&ISO^NH"
    assert entry.source_patient_id == "IPP0001^^^&1.2.250.1.999.1.1.1&ISO^PI"
    assert entry.legal_authenticator is not None
    assert entry.legal_authenticator.startswith("810000000001^DURAND^Paul^")
    assert metadata.submission_set.patient_id == entry.patient_id
    assert metadata.ins_shareable


def test_the_fludt_and_the_n1_carry_their_own_format_and_class() -> None:
    record = full_record()
    fludt = build_fludt(record, transfer(), context("full", "fludt"))
    n1 = build_n1(record.identity, record.care_home,
                  Attachment("Ordonnance", Code("57833-6", LOINC, "Prescription"), TINY_PDF,
                             NOW), context("full", "n1"))
    fludt_meta = build_metadata(fludt, DocumentKind.FLUDT, record.identity, record.care_home,
                                submission_time=NOW)
    n1_meta = build_metadata(n1, DocumentKind.N1, record.identity, record.care_home,
                             submission_time=NOW)
    assert fludt_meta.entry.format_code.code == "urn:asip:ci-sis:fludt:2017"
    assert n1_meta.entry.format_code.code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert n1_meta.entry.class_code.code == "42"
    assert fludt_meta.entry.entry_uuid != n1_meta.entry.entry_uuid


def test_building_twice_gives_the_same_envelope() -> None:
    assert dlu_metadata()[1] == dlu_metadata()[1]


def test_the_envelope_survives_a_json_round_trip() -> None:
    _, metadata = dlu_metadata(visibility=[Visibility.HIDDEN_FROM_PATIENT],
                               recipients=[HOSPITAL, PATIENT],
                               replaces=Replacement("1.2.3.4", "urn:uuid:1b4e28ba-2fa1-11d2-883f"
                                                               "-0016d3cca427"))
    text = json.dumps(metadata_to_json(metadata))
    assert metadata_from_json(json.loads(text)) == metadata


def test_metadata_of_an_unknown_version_is_refused() -> None:
    data = metadata_to_json(dlu_metadata()[1])
    data["json_version"] = 99
    with pytest.raises(MetadataUnreadable):
        metadata_from_json(data)
    del data["entry"]
    data["json_version"] = 1
    with pytest.raises(MetadataUnreadable):
        metadata_from_json(data)


def test_a_non_qualified_identity_is_filed_under_its_local_id_without_matricule() -> None:
    record = unqualified_record()
    xml = build_dlu(record, context("unqualified", "dlu"))
    metadata = build_metadata(xml, DocumentKind.DLU, record.identity, record.care_home,
                              submission_time=NOW)
    assert not metadata.ins_shareable
    assert metadata.entry.patient_id.endswith("^PI")
    assert "279035121518989" not in json.dumps(metadata_to_json(metadata))


def test_a_document_hidden_from_the_patient_never_goes_to_the_patient_mailbox() -> None:
    _, metadata = dlu_metadata(visibility=[Visibility.HIDDEN_FROM_PATIENT],
                               recipients=[HOSPITAL, PATIENT])
    assert mssante_recipients(metadata) == (HOSPITAL,)
    assert metadata.submission_set.intended_recipients == (
        "||^^Internet^urgences@ch-exemple.mssante.fr",)
    codes = [(c.code, c.scheme) for c in metadata.entry.confidentiality_codes]
    assert codes == [("N", "2.16.840.1.113883.5.25"),
                     ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13")]


def test_a_document_masked_to_professionals_goes_only_to_the_patient() -> None:
    _, metadata = dlu_metadata(visibility=[Visibility.HIDDEN_FROM_PROFESSIONALS],
                               recipients=[HOSPITAL, DOCTOR, PATIENT])
    assert mssante_recipients(metadata) == (PATIENT,)
    assert "MASQUE_PS" in [c.code for c in metadata.entry.confidentiality_codes]


def test_a_replacement_points_at_the_entry_it_replaces() -> None:
    old = Replacement("1.2.250.1.999.1.1.2.11.1", "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    _, metadata = dlu_metadata(replaces=old)
    kinds = {a.kind: a for a in metadata.associations}
    assert kinds[AssociationType.HAS_MEMBER].source == metadata.submission_set.entry_uuid
    assert kinds[AssociationType.HAS_MEMBER].target == metadata.entry.entry_uuid
    assert kinds[AssociationType.REPLACES].source == metadata.entry.entry_uuid
    assert kinds[AssociationType.REPLACES].target == old.entry_uuid


def test_names_with_hl7_delimiters_are_escaped() -> None:
    record = full_record()
    record = replace(record, identity=replace(record.identity, birth_family_name="DUPONT^DURAND"))
    xml = build_dlu(record, context("full", "dlu"))
    metadata = build_metadata(xml, DocumentKind.DLU, record.identity, record.care_home,
                              submission_time=NOW)
    assert metadata.entry.source_patient_info[0] == "PID-5|DUPONT\\S\\DURAND^MARIE^^^^^L"
