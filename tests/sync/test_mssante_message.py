"""The MSSanté message and its IHE_XDM.zip, checked by the sandbox server's own rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from edge import Recipient, RecipientKind, StoredDocument, Visibility, load_document
from edge.storage import Database
from sync.mssante.message import (
    NothingToSend,
    Sender,
    build_message,
    build_xdm_zip,
    message_id_for,
)
from sync.sandbox.xdm_checks import MessageRefused, check_message
from tests.sync.sync_samples import DOCTOR_BOX, TINY_PDF, admit, queue_n1, queue_transfer

SENDER = Sender("relais@ehpad.mssante.fr", "EHPAD Les Tilleuls", "750000001")
DOCTOR = Recipient("dr.martin@ch-exemple.mssante.fr", RecipientKind.PROFESSIONAL)
PATIENT = Recipient("235035121500115@patient.mssante.fr", RecipientKind.PATIENT)
NOW = datetime(2026, 11, 20, 13, 30, tzinfo=UTC)


@pytest.fixture
def document(db: Database) -> StoredDocument:
    stored = load_document(db, queue_n1(db, admit(db, 1), "101"))
    return dataclasses.replace(stored, metadata=dataclasses.replace(stored.metadata,
                                                                    recipients=(DOCTOR,)))


def _raw(document: StoredDocument, pdf: bytes | None = TINY_PDF) -> bytes:
    message, _ = build_message(document, row_id="abc123", sender=SENDER, pdf=pdf or b"", now=NOW)
    if pdf is None:
        message.get_payload().pop()  # drop the PDF attachment
    return bytes(message)


def test_the_built_message_passes_the_sandbox_checks(document: StoredDocument) -> None:
    checked = check_message(_raw(document), SENDER.mailbox)
    assert checked.unique_ids == (document.unique_id,)
    assert checked.recipients == (DOCTOR.address,)
    assert checked.message_id == message_id_for("abc123", SENDER.mailbox)
    assert checked.subject.startswith("XDM/1.0/DDM+")
    assert checked.integration_error is None


def test_a_dlu_whose_long_subject_is_folded_passes_the_sandbox_checks(db: Database) -> None:
    dlu, _ = queue_transfer(db, admit(db, 12), "12", recipients=(DOCTOR_BOX,))
    raw = _raw(load_document(db, dlu))
    assert b"Subject:\n XDM/1.0/DDM+" in raw, "the subject is no longer folded: test a longer one"
    checked = check_message(raw, SENDER.mailbox)
    assert checked.subject.startswith("XDM/1.0/DDM+DOCUMENT DE LIAISON D'URGENCE")


def test_the_message_carries_the_mss_headers(document: StoredDocument) -> None:
    message, recipients = build_message(document, row_id="abc123", sender=SENDER, pdf=TINY_PDF,
                                        now=NOW)
    assert recipients == (DOCTOR,)
    assert message["X-MSS-CODECDA"] == document.metadata.entry.type_code.code
    assert message["X-MSS-INS"] == "O"
    assert message["X-MSS-MES"] is None
    assert message["Disposition-Notification-To"] == SENDER.mailbox
    assert [part.get_filename() for part in message.iter_attachments()] == ["IHE_XDM.zip",
                                                                            "N1.pdf"]


def test_the_zip_is_the_same_bytes_for_the_same_document(document: StoredDocument) -> None:
    assert build_xdm_zip(document, SENDER) == build_xdm_zip(document, SENDER)


def test_a_message_without_its_pdf_is_refused(document: StoredDocument) -> None:
    with pytest.raises(MessageRefused, match="PDF"):
        check_message(_raw(document, pdf=None), SENDER.mailbox)


def test_a_wrong_codecda_header_is_refused(document: StoredDocument) -> None:
    raw = _raw(document).replace(
        f"X-MSS-CODECDA: {document.metadata.entry.type_code.code}".encode(),
        b"X-MSS-CODECDA: 00000-0")
    with pytest.raises(MessageRefused, match="X-MSS-CODECDA"):
        check_message(raw, SENDER.mailbox)


def test_content_that_no_longer_matches_its_hash_is_refused(document: StoredDocument) -> None:
    tampered = dataclasses.replace(document, content=document.content + b" ")
    with pytest.raises(MessageRefused, match="hash"):
        check_message(_raw(tampered), SENDER.mailbox)


def test_another_sender_is_refused(document: StoredDocument) -> None:
    with pytest.raises(MessageRefused, match="From"):
        check_message(_raw(document), "autre@ehpad.mssante.fr")


def test_a_document_invisible_to_the_patient_is_never_mailed_to_the_patient(
        document: StoredDocument) -> None:
    hidden = dataclasses.replace(document, metadata=dataclasses.replace(
        document.metadata, recipients=(PATIENT,), visibility=(Visibility.HIDDEN_FROM_PATIENT,)))
    with pytest.raises(NothingToSend):
        build_message(hidden, row_id="abc123", sender=SENDER, pdf=TINY_PDF, now=NOW)


def test_a_patient_recipient_gets_the_no_reply_header(document: StoredDocument) -> None:
    to_patient = dataclasses.replace(document, metadata=dataclasses.replace(
        document.metadata, recipients=(DOCTOR, PATIENT)))
    message, _ = build_message(to_patient, row_id="abc123", sender=SENDER, pdf=TINY_PDF, now=NOW)
    assert message["X-MSS-MES"] == "FIN"
    assert check_message(bytes(message), SENDER.mailbox).recipients == (DOCTOR.address,
                                                                         PATIENT.address)
