"""Receipts read back from the mailbox: the sandbox's DSN and MDN parsed into receipt events."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from sync.adapter import ReceiptKind
from sync.mssante.receipts import INTEGRATION_REASONS, parse_receipt
from sync.sandbox.receipts import build_dsn, build_mdn

NOW = datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
SENT_ID = "<relais.0123abcd@ehpad.mssante.fr>"


def _original() -> bytes:
    message = EmailMessage()
    message["From"] = "relais@ehpad.mssante.fr"
    message["To"] = "dr.martin@ch-exemple.mssante.fr"
    message["Subject"] = "XDM/1.0/DDM+Compte rendu TESTEUR Jeanne 02/03/1935"
    message["Message-ID"] = SENT_ID
    message.set_content("Bonjour")
    return bytes(message)


def test_a_delivered_dsn_is_a_success_for_the_message_it_answers() -> None:
    raw = build_dsn(_original(), ("dr.martin@ch-exemple.mssante.fr",),
                    to="relais@ehpad.mssante.fr", now=NOW)
    event = parse_receipt(raw, NOW)
    assert event is not None
    assert (event.kind, event.remote_ref, event.success, event.code, event.reason) == (
        ReceiptKind.DSN, SENT_ID, True, None, None)
    assert event.message_id and event.message_id != SENT_ID
    assert event.raw == raw


def test_a_processed_mdn_is_a_success() -> None:
    event = parse_receipt(build_mdn(_original(), "dr.martin@ch-exemple.mssante.fr",
                                    to="relais@ehpad.mssante.fr", now=NOW), NOW)
    assert event is not None
    assert (event.kind, event.remote_ref, event.success) == (ReceiptKind.MDN, SENT_ID, True)
    assert event.disposition is not None and event.disposition.endswith("processed")


@pytest.mark.parametrize("code", sorted(INTEGRATION_REASONS))
def test_an_error_mdn_carries_its_ci_sis_code_and_a_french_reason(code: str) -> None:
    event = parse_receipt(build_mdn(_original(), "dr.martin@ch-exemple.mssante.fr",
                                    to="relais@ehpad.mssante.fr", now=NOW, error_code=code), NOW)
    assert event is not None
    assert (event.success, event.code, event.reason) == (False, code, INTEGRATION_REASONS[code])
    assert event.disposition is not None and f"Error: {code}^" in event.disposition


def test_an_ordinary_mail_is_not_a_receipt() -> None:
    assert parse_receipt(_original(), NOW) is None


def test_a_failed_dsn_names_the_status_and_asks_to_check_the_address() -> None:
    raw = build_dsn(_original(), ("dr.martin@ch-exemple.mssante.fr",),
                    to="relais@ehpad.mssante.fr", now=NOW)
    failed = raw.replace(b"Action: delivered", b"Action: failed").replace(
        b"Status: 2.0.0", b"Status: 5.1.1")
    event = parse_receipt(failed, NOW)
    assert event is not None
    assert (event.success, event.code) == (False, "5.1.1")
    assert event.reason is not None and "adresse" in event.reason


def test_a_delayed_dsn_is_not_an_outcome_yet() -> None:
    raw = build_dsn(_original(), ("dr.martin@ch-exemple.mssante.fr",),
                    to="relais@ehpad.mssante.fr", now=NOW)
    assert parse_receipt(raw.replace(b"Action: delivered", b"Action: delayed"), NOW) is None
