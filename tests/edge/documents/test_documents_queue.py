"""Documents filled from a real record, checked, enveloped and queued; the identity gate on rows."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from document_samples import TINY_PDF, transfer
from record_samples import (
    FULL_MATRICULE,
    HOME,
    NOW,
    RECUP_MATRICULE,
    Sample,
    open_sample,
)

from edge import load_document
from edge.documents import (
    AssociationType,
    AttachmentRefused,
    DocumentKind,
    Recipient,
    RecipientKind,
    Visibility,
    version_chain,
)
from edge.documents.errors import AttachmentTooLarge
from edge.documents.flows import (
    MAX_PDF_BYTES,
    N1_TYPES_BY_CODE,
    add_pdf_to_file,
    transfer_to_hospital,
)
from edge.documents.from_record import read_record
from edge.errors import RecordRejected
from edge.outbox import IDENTITY_NOT_QUALIFIED
from edge.record import Destination, OutboxState
from edge.users import find_user

HOSPITAL = Recipient("urgences@ch-exemple.mssante.fr", RecipientKind.ORGANISATION)
PRESCRIPTION = N1_TYPES_BY_CODE["57833-6"]


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    sample = open_sample(tmp_path)
    yield sample
    sample.db.close()


def rows(sample: Sample, document_id: str) -> dict[Destination, tuple[OutboxState, str | None]]:
    return {Destination(r["destination"]): (OutboxState(r["state"]), r["blocked_reason"])
            for r in sample.db.query("SELECT * FROM outbox WHERE document_id = ?",
                                     (document_id,))}


def every_stored_byte(sample: Sample) -> bytes:
    """Content, metadata and payload of every document and outbox row, opened."""
    keyring = sample.db.keyring
    out = b""
    for row in sample.db.query("SELECT * FROM documents"):
        out += keyring.open(row["content"], "documents", "content", row["id"])
        out += keyring.open(row["metadata"], "documents", "metadata", row["id"])
    for row in sample.db.query("SELECT * FROM outbox WHERE payload IS NOT NULL"):
        out += keyring.open(row["payload"], "outbox", "payload", row["id"])
    return out


def nurse(sample: Sample):  # type: ignore[no-untyped-def]
    return find_user(sample.db, "smartin")


def test_the_record_fills_the_dlu_inputs(sample: Sample) -> None:
    _, record = read_record(sample.db, sample.residents["full"], sample.nurse_id, HOME, NOW)
    assert record.identity.ins is not None
    assert record.identity.ins.matricule == FULL_MATRICULE
    assert record.attending_physician is not None
    assert (record.attending_physician.family_name,
            record.attending_physician.telephone) == ("LEFEBVRE", "01 44 00 00 01")
    assert record.trusted_person is not None
    assert record.trusted_person.relationship.code == "DAUC"
    assert record.emergency_contact is not None
    assert record.emergency_contact.relationship.code == "SONC"
    assert [a.agent for a in record.allergies] == ["Pénicilline", "crustacés", "latex"]
    assert record.directives_written is True
    latest = {v.loinc: str(v.value) for v in record.vital_signs}
    # the last heart rate, SpO2 under its CDA code, no glucose (not a CDA vital sign)
    assert latest == {"8867-4": "92.0", "8310-5": "38.4", "8480-6": "142.0", "8462-4": "85.0",
                      "20564-1": "91.0", "29463-7": "61.5"}
    texts = [t.text for t in record.transmissions]
    assert texts[0].startswith("Respiration — D : Toux grasse depuis ce matin")
    assert len(texts) == 2  # the amended version only, and not the 5-day-old note


def test_an_empty_record_gives_empty_sections_and_none_answers_are_kept(sample: Sample) -> None:
    _, empty = read_record(sample.db, sample.residents["empty"], sample.nurse_id, HOME, NOW)
    assert (empty.allergies, empty.no_known_allergies, empty.vital_signs,
            empty.transmissions, empty.attending_physician) == ((), False, (), (), None)
    _, none = read_record(sample.db, sample.residents["provisional"], sample.nurse_id, HOME, NOW)
    assert none.no_known_allergies and none.directives_written is False


def test_a_transfer_queues_the_dlu_and_fludt_to_both_destinations(sample: Sample) -> None:
    result = transfer_to_hospital(sample.db, sample.residents["full"], nurse(sample), HOME,
                                  transfer(), NOW, (uuid.uuid4(), uuid.uuid4()),
                                  recipients=[HOSPITAL])
    assert result.queued and result.problems == ()
    for generated in (result.dlu, result.fludt):
        assert generated.document_id is not None
        assert rows(sample, generated.document_id) == {
            Destination.DMP: (OutboxState.QUEUED, None),
            Destination.MSSANTE: (OutboxState.QUEUED, None)}
        stored = load_document(sample.db, generated.document_id)
        assert stored.content == generated.xml
        assert stored.metadata.entry.unique_id == stored.unique_id
        assert stored.metadata.entry.patient_id.startswith(FULL_MATRICULE)
    assert load_document(sample.db, result.fludt.document_id).kind is DocumentKind.FLUDT


def test_without_a_mailbox_the_documents_go_to_the_dmp_only(sample: Sample) -> None:
    result = transfer_to_hospital(sample.db, sample.residents["empty"], nurse(sample), HOME,
                                  transfer(full=False), NOW, (uuid.uuid4(), uuid.uuid4()))
    assert result.dlu.document_id is not None
    assert set(rows(sample, result.dlu.document_id)) == {Destination.DMP}


def test_a_non_qualified_identity_is_queued_blocked_and_its_matricule_stays_home(
        sample: Sample) -> None:
    result = transfer_to_hospital(sample.db, sample.residents["unqualified"], nurse(sample), HOME,
                                  transfer(), NOW, (uuid.uuid4(), uuid.uuid4()),
                                  recipients=[HOSPITAL])
    for generated in (result.dlu, result.fludt):
        assert generated.document_id is not None
        assert set(rows(sample, generated.document_id).values()) == {
            (OutboxState.BLOCKED, IDENTITY_NOT_QUALIFIED)}
        assert not load_document(sample.db, generated.document_id).metadata.ins_shareable
    add_pdf_to_file(sample.db, sample.residents["unqualified"], nurse(sample), HOME,
                    pdf=TINY_PDF, title="Ordonnance", type_code=PRESCRIPTION, now=NOW,
                    token=uuid.uuid4())
    assert RECUP_MATRICULE.encode() not in every_stored_byte(sample)
    assert FULL_MATRICULE.encode() not in every_stored_byte(sample)  # control: nothing else sent


def test_an_incomplete_transfer_is_refused_with_reasons_and_nothing_is_queued(
        sample: Sample) -> None:
    result = transfer_to_hospital(sample.db, sample.residents["full"], nurse(sample), HOME,
                                  replace(transfer(), consciousness=None, reason=" "), NOW,
                                  (uuid.uuid4(), uuid.uuid4()))
    assert not result.queued
    assert result.problems
    assert result.fludt.xml.startswith(b"<?xml")  # still printable
    assert sample.db.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0


def test_an_added_pdf_must_be_a_pdf_of_reasonable_size(sample: Sample) -> None:
    with pytest.raises(AttachmentRefused):
        add_pdf_to_file(sample.db, sample.residents["full"], nurse(sample), HOME,
                        pdf=b"GIF89a....", title="Photo", type_code=PRESCRIPTION, now=NOW,
                        token=uuid.uuid4())
    with pytest.raises(AttachmentTooLarge):
        add_pdf_to_file(sample.db, sample.residents["full"], nurse(sample), HOME,
                        pdf=TINY_PDF + b"0" * MAX_PDF_BYTES, title="Gros", type_code=PRESCRIPTION,
                        now=NOW, token=uuid.uuid4())
    assert sample.db.query("SELECT COUNT(*) AS n FROM documents")[0]["n"] == 0


def test_a_corrected_pdf_replaces_the_previous_version_and_keeps_the_chain(
        sample: Sample) -> None:
    first = add_pdf_to_file(sample.db, sample.residents["full"], nurse(sample), HOME,
                            pdf=TINY_PDF, title="Ordonnance", type_code=PRESCRIPTION, now=NOW,
                            token=uuid.uuid4(), visibility=[Visibility.HIDDEN_FROM_PATIENT])
    assert first.document_id is not None
    chain = version_chain(sample.db, first.document_id)
    second = add_pdf_to_file(sample.db, sample.residents["full"], nurse(sample), HOME,
                             pdf=TINY_PDF, title="Ordonnance corrigée", type_code=PRESCRIPTION,
                             now=NOW, token=uuid.uuid4(), chain=chain)
    assert second.document_id is not None
    old = load_document(sample.db, first.document_id)
    new = load_document(sample.db, second.document_id)
    assert (new.version, new.replaces_id) == (2, first.document_id)
    assert new.metadata.replaces is not None
    assert new.metadata.replaces.entry_uuid == old.metadata.entry.entry_uuid
    rplc = [a for a in new.metadata.associations if a.kind is AssociationType.REPLACES]
    assert [a.target for a in rplc] == [old.metadata.entry.entry_uuid]
    assert b"<setId root=\"" + chain.set_id.root.encode() in new.content
    with pytest.raises(RecordRejected):
        version_chain(sample.db, first.document_id)
