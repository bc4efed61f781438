"""The MSSanté adapter against the sandbox's real SMTP server and dovecot IMAP on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import io
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from lxml import etree

from edge import (
    Destination,
    DocumentKind,
    OutboxState,
    Recipient,
    RecipientKind,
    claim_next,
    list_outbox,
    load_document,
    mark_waiting,
)
from edge.documents import Attachment, DocumentContext, IdentityStatus, InstanceId, build_n1
from edge.documents.queue import queue_document
from edge.storage import Database
from sync.delivery import DeliveryWorker
from sync.errors import CertificateRejected, DeliveryRefused, RetryLater
from sync.mssante import MssanteAdapter, config_from_settings
from sync.mssante.message import Sender, build_xdm_zip
from sync.sandbox.faults import FaultKind
from tests.sync.conftest import RunningSandbox
from tests.sync.sync_samples import (
    CARE_HOME,
    COORDINATOR,
    DOCUMENT_OID,
    N1_TYPE,
    NOW,
    NURSE_AUTHOR,
    TINY_PDF,
    SampleResident,
    admit,
)

pytestmark = pytest.mark.integration

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DOCTOR_BOX = Recipient("dr.martin@ch-exemple.mssante.fr", RecipientKind.PROFESSIONAL)


@pytest.fixture(autouse=True)
def _no_fault(sandbox: RunningSandbox) -> Iterator[None]:
    sandbox.switch.clear()
    yield
    sandbox.switch.clear()


def _queue(db: Database, resident: SampleResident, serial: str) -> str:
    pdf = TINY_PDF.replace(b"%%EOF", f"% {serial}\n%%EOF".encode())
    context = DocumentContext(document_id=InstanceId(f"{DOCUMENT_OID}.{serial}.1"),
                              set_id=InstanceId(f"{DOCUMENT_OID}.{serial}"), version=1,
                              effective_time=NOW, author=NURSE_AUTHOR,
                              legal_authenticator=COORDINATOR)
    xml = build_n1(resident.identity, CARE_HOME, Attachment("Compte rendu", N1_TYPE, pdf, NOW),
                   context)
    return queue_document(db, xml=xml, kind=DocumentKind.N1, identity=resident.identity,
                          care_home=CARE_HOME, resident_id=resident.id, author_id=None, now=NOW,
                          recipients=(DOCTOR_BOX,))


def _adapter(sandbox: RunningSandbox, tmp_path: Path, *, real_pdf: bool = False,
             **overrides: object) -> MssanteAdapter:
    settings = sandbox.settings(tmp_path / "sync-data", tmp_path / "sync.key", **overrides)
    if real_pdf:
        return MssanteAdapter(config_from_settings(settings))
    return MssanteAdapter(config_from_settings(settings), render=lambda xml: TINY_PDF)


def _worker(db: Database, adapter: MssanteAdapter) -> DeliveryWorker:
    return DeliveryWorker(db, {Destination.MSSANTE: adapter}, worker="test",
                          clock=lambda: datetime.now(UTC), rng=random.Random(3))


def _decoded(raw: bytes) -> bytes:
    """Every byte a message carries once decoded: headers, parts, and the files of its zips."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    chunks = [raw]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        chunks.append(payload)
        if part.get_content_type() == "application/zip":
            archive = zipfile.ZipFile(io.BytesIO(payload))
            chunks.extend(archive.read(name) for name in archive.namelist())
    return b"\n".join(chunks)


def _row_state(db: Database, document_id: str) -> tuple[OutboxState, str | None]:
    row = next(r for r in list_outbox(db) if r.document_id == document_id
               and r.destination is Destination.MSSANTE)
    return row.state, row.last_error


def test_accepted_document_is_acknowledged_by_its_success_mdn(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 1)
    document_id = _queue(db, resident, "101")
    worker = _worker(db, _adapter(sandbox, tmp_path, real_pdf=True))
    report = worker.run_pass()
    assert report.handled == 1
    assert _row_state(db, document_id)[0] is OutboxState.DELIVERED
    assert worker.collect_receipts() >= 2
    assert _row_state(db, document_id)[0] is OutboxState.ACKNOWLEDGED
    unique_id = load_document(db, document_id).unique_id
    assert sandbox.ledger.document_counts()[unique_id] == 1
    kinds = {row["kind"] for row in db.query("SELECT kind FROM receipts")}
    assert kinds == {"dsn", "mdn"}
    remote_ref = db.query("SELECT remote_ref FROM outbox WHERE document_id = ? AND "
                          "destination = 'mssante'", (document_id,))[0]["remote_ref"]
    raw = sandbox.ledger.raw_message(remote_ref)
    assert raw is not None
    sent = BytesParser(policy=policy.default).parsebytes(raw)
    pdf = next(part for part in sent.iter_attachments()
               if part.get_content_type() == "application/pdf").get_payload(decode=True)
    assert pdf.startswith(b"%PDF") and pdf != TINY_PDF


def test_error_mdn_902_marks_the_row_dead_with_its_french_reason(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 2)
    document_id = _queue(db, resident, "202")
    sandbox.switch.set(FaultKind.ERROR_MDN, code="902")
    worker = _worker(db, _adapter(sandbox, tmp_path))
    worker.run_pass()
    worker.collect_receipts()
    state, error = _row_state(db, document_id)
    assert state is OutboxState.DEAD
    assert error is not None and "ne connaît pas ce patient" in error and "902" in error
    codes = {row["code"] for row in db.query("SELECT code FROM receipts WHERE kind = 'mdn'")}
    assert codes == {"902"}


def test_a_certificate_from_another_authority_is_refused_by_name(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 3)
    document_id = _queue(db, resident, "303")
    before = sandbox.ledger.message_counts()
    adapter = _adapter(sandbox, tmp_path, mssante_client_cert=sandbox.pki.rogue_cert,
                       mssante_client_key=sandbox.pki.rogue_key)
    row = claim_next(db, "test", Destination.MSSANTE)
    assert row is not None
    with pytest.raises(CertificateRejected, match="refusé le certificat"):
        adapter.deliver(row, load_document(db, document_id))
    assert sandbox.ledger.message_counts() == before


def test_the_rejected_certificate_fault_blocks_the_row_until_an_administrator_acts(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 4)
    document_id = _queue(db, resident, "404")
    sandbox.switch.set(FaultKind.REJECT_CERTIFICATE)
    _worker(db, _adapter(sandbox, tmp_path)).run_pass()
    state, _ = _row_state(db, document_id)
    assert state is OutboxState.BLOCKED


def test_an_expired_certificate_is_named_before_anything_is_sent(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 5)
    document_id = _queue(db, resident, "505")
    adapter = _adapter(sandbox, tmp_path, mssante_client_cert=sandbox.pki.expired_cert,
                       mssante_client_key=sandbox.pki.expired_key)
    row = claim_next(db, "test", Destination.MSSANTE)
    assert row is not None
    with pytest.raises(CertificateRejected, match="a expiré"):
        adapter.deliver(row, load_document(db, document_id))
    assert adapter.probe().reachable is False


def test_a_malformed_message_is_refused_with_the_servers_reason(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 6)
    document_id = _queue(db, resident, "606")
    row = claim_next(db, "test", Destination.MSSANTE)
    assert row is not None
    document = load_document(db, document_id)
    tampered = dataclasses.replace(document, content=document.content + b"\n")
    with pytest.raises(DeliveryRefused) as refused:
        _adapter(sandbox, tmp_path).deliver(row, tampered)
    assert refused.value.code == "554"
    assert "hash" in refused.value.reason
    assert any("hash" in reason for reason in sandbox.ledger.refusals())


@pytest.mark.parametrize("fault", [FaultKind.OFFLINE, FaultKind.HTTP_5XX,
                                   FaultKind.RESET_MID_UPLOAD])
def test_transient_faults_ask_to_retry_and_leave_nothing_at_the_sandbox(
        db: Database, sandbox: RunningSandbox, tmp_path: Path, fault: FaultKind) -> None:
    resident = admit(db, 7)
    document_id = _queue(db, resident, "707")
    unique_id = load_document(db, document_id).unique_id
    sandbox.switch.set(fault)
    row = claim_next(db, "test", Destination.MSSANTE)
    assert row is not None
    with pytest.raises(RetryLater):
        _adapter(sandbox, tmp_path).deliver(row, load_document(db, document_id))
    assert unique_id not in sandbox.ledger.document_counts()
    assert _adapter(sandbox, tmp_path).probe().reachable is (fault is FaultKind.RESET_MID_UPLOAD)


def test_an_answer_lost_to_a_timeout_is_not_sent_twice(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    resident = admit(db, 8)
    document_id = _queue(db, resident, "808")
    unique_id = load_document(db, document_id).unique_id
    adapter = _adapter(sandbox, tmp_path, mssante_timeout_seconds=1)
    sandbox.switch.set(FaultKind.SLOW, delay_seconds=3)
    row = claim_next(db, "test", Destination.MSSANTE)
    assert row is not None
    with pytest.raises(RetryLater):
        adapter.deliver(row, load_document(db, document_id))
    assert sandbox.ledger.document_counts()[unique_id] == 1  # it did arrive
    sandbox.switch.clear()
    mark_waiting(db, row, "timeout", datetime.now(UTC) - timedelta(days=1), random.Random(1))
    again = claim_next(db, "test", Destination.MSSANTE)
    assert again is not None and again.id == row.id and again.attempts == 2
    receipt = adapter.deliver(again, load_document(db, document_id))
    assert receipt.already_present
    assert sandbox.ledger.document_counts()[unique_id] == 1


def test_a_non_qualified_identity_never_reaches_the_sandbox(
        db: Database, sandbox: RunningSandbox, tmp_path: Path) -> None:
    qualified = admit(db, 9)
    pending = admit(db, 10, status=IdentityStatus.RECUP)
    _queue(db, qualified, "909")
    blocked_id = _queue(db, pending, "910")
    assert _row_state(db, blocked_id)[0] is OutboxState.BLOCKED
    worker = _worker(db, _adapter(sandbox, tmp_path))
    worker.run_pass()
    received = b"\n".join(_decoded(raw) for raw in sandbox.ledger.raw_messages())
    assert qualified.matricule.encode() in received  # the search can find a matricule...
    assert pending.matricule.encode() not in received  # ...and this one never arrived
    assert _row_state(db, blocked_id)[0] is OutboxState.BLOCKED


def test_the_probe_makes_a_real_smtp_and_imap_round_trip(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    probe = _adapter(sandbox, tmp_path).probe()
    assert probe.reachable, probe.detail
    assert probe.certificate_expires_at is not None
    sandbox.switch.set(FaultKind.OFFLINE)
    assert not _adapter(sandbox, tmp_path).probe().reachable


def test_metadata_xml_in_the_xdm_zip_validates_against_lcm_xsd(db: Database) -> None:
    schema_path = SHARED / "specs" / "xds" / "schema" / "ebRS" / "lcm.xsd"
    if not schema_path.exists():
        pytest.skip("../shared/ is absent: the ebRS schemas are needed to validate METADATA.XML")
    resident = admit(db, 11)
    document = load_document(db, _queue(db, resident, "111"))
    archive = zipfile.ZipFile(io.BytesIO(build_xdm_zip(
        document, Sender("relais@ehpad.mssante.fr", "EHPAD Les Tilleuls", "750000001"))))
    assert sorted(archive.namelist()) == ["IHE_XDM/SUBSET01/DOC0001.XML",
                                          "IHE_XDM/SUBSET01/METADATA.XML", "INDEX.HTM",
                                          "README.TXT"]
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    metadata = etree.fromstring(archive.read("IHE_XDM/SUBSET01/METADATA.XML"))
    assert schema.validate(metadata), schema.error_log
    assert archive.read("IHE_XDM/SUBSET01/DOC0001.XML") == document.content
