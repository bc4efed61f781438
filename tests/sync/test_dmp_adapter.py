"""The DMP adapter against the sandbox DMP's real HTTPS server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sync_samples import admit, queue_n1, queue_n1_correction, queue_transfer

from edge import Destination, claim_next, load_document
from sync.dmp import DmpAdapter
from sync.errors import CertificateRejected, ConfigurationIncomplete, DeliveryRefused, RetryLater
from sync.sandbox.__main__ import SANDBOX_HOMOLOGATION_ID, describe
from sync.sandbox.faults import Fault, FaultKind, FaultSetting
from sync.wiring import dmp_adapter

pytestmark = pytest.mark.integration


def _adapter(dmp_sandbox, settings, **overrides) -> DmpAdapter:  # type: ignore[no-untyped-def]
    return dmp_adapter(dmp_sandbox.adapter_settings(settings, **overrides),
                       lambda: datetime.now(UTC))


def _deliver_next(db, adapter):  # type: ignore[no-untyped-def]
    row = claim_next(db, "test", Destination.DMP)
    assert row is not None
    return row, adapter.deliver(row, load_document(db, row.document_id))


def test_a_dlu_its_fludt_and_an_n1_are_accepted_and_registered_once(db, settings, dmp_sandbox
                                                                     ) -> None:
    resident = admit(db, 1)
    queue_transfer(db, resident, "10")
    queue_n1(db, resident, "11")
    adapter = _adapter(dmp_sandbox, settings)
    receipts = [_deliver_next(db, adapter)[1] for _ in range(3)]
    assert all(r.acknowledged and not r.already_present for r in receipts)
    counts = dmp_sandbox.server.store.registration_counts()
    assert sorted(counts.values()) == [1, 1, 1]
    entry = dmp_sandbox.server.store.entry(next(iter(counts)))
    assert entry is not None and entry["status"] == "Approved"


def test_sending_the_same_document_again_counts_as_delivered_and_is_not_registered_twice(
        db, settings, dmp_sandbox) -> None:
    resident = admit(db, 2)
    queue_n1(db, resident, "21")
    adapter = _adapter(dmp_sandbox, settings)
    row, first = _deliver_next(db, adapter)
    again = adapter.deliver(row, load_document(db, row.document_id))
    assert (first.already_present, again.already_present) == (False, True)
    assert again.remote_ref == first.remote_ref
    assert list(dmp_sandbox.server.store.registration_counts().values()) == [1]
    assert dmp_sandbox.server.store.request_count() == 2


def test_a_patient_without_an_open_dmp_is_refused_with_a_named_error_in_french(
        db, settings, dmp_sandbox) -> None:
    resident = admit(db, 3)
    queue_n1(db, resident, "31")
    (dmp_sandbox.directory / "dmp-closed-patients.txt").write_text(resident.matricule + "\n")
    with pytest.raises(DeliveryRefused) as refused:
        _deliver_next(db, _adapter(dmp_sandbox, settings))
    assert refused.value.code == "XDSUnknownPatientId"
    assert "ne connaît pas ce patient" in refused.value.reason
    assert dmp_sandbox.server.store.registration_counts() == {}


def test_a_corrected_version_replaces_the_previous_one_which_becomes_deprecated(
        db, settings, dmp_sandbox) -> None:
    resident = admit(db, 4)
    first_id = queue_n1(db, resident, "41")
    adapter = _adapter(dmp_sandbox, settings)
    _deliver_next(db, adapter)
    second_id = queue_n1_correction(db, resident, first_id, "41")
    _, receipt = _deliver_next(db, adapter)
    store = dmp_sandbox.server.store
    old = store.entry(load_document(db, first_id).unique_id)
    new = store.entry(load_document(db, second_id).unique_id)
    assert old is not None and new is not None
    assert (old["status"], new["status"]) == ("Deprecated", "Approved")
    assert old["replaced_by"] == receipt.remote_ref == new["entry_uuid"]


def test_a_replacement_whose_previous_version_the_dmp_never_got_is_refused(
        db, settings, dmp_sandbox) -> None:
    resident = admit(db, 5)
    first_id = queue_n1(db, resident, "51")
    queue_n1_correction(db, resident, first_id, "51")
    adapter = _adapter(dmp_sandbox, settings)
    claim_next(db, "test", Destination.DMP)  # the first version is taken and never sent
    with pytest.raises(DeliveryRefused) as refused:
        _deliver_next(db, adapter)
    assert refused.value.code == "XDSUnresolvedReferenceException"


@pytest.mark.parametrize("fault", [FaultKind.OFFLINE, FaultKind.HTTP_5XX,
                                   FaultKind.RESET_MID_UPLOAD])
def test_an_unreachable_or_failing_dmp_means_try_again_later(db, settings, dmp_sandbox,
                                                              fault: FaultKind) -> None:
    resident = admit(db, 6)
    queue_n1(db, resident, "61")
    dmp_sandbox.switch.set(fault)
    with pytest.raises(RetryLater):
        _deliver_next(db, _adapter(dmp_sandbox, settings))
    assert dmp_sandbox.server.store.registration_counts() == {}


def test_a_dmp_that_does_not_answer_in_time_means_try_again_later(db, settings, dmp_sandbox
                                                                  ) -> None:
    resident = admit(db, 7)
    queue_n1(db, resident, "71")
    dmp_sandbox.switch.set(FaultSetting(Fault(FaultKind.TIMEOUT, timeout_seconds=3)))
    with pytest.raises(RetryLater, match="délai"):
        _deliver_next(db, _adapter(dmp_sandbox, settings, dmp_timeout_seconds=1))


def test_a_refused_client_certificate_asks_an_administrator_to_act(db, settings, dmp_sandbox
                                                                   ) -> None:
    resident = admit(db, 8)
    queue_n1(db, resident, "81")
    dmp_sandbox.switch.set(FaultKind.REJECT_CERTIFICATE)
    with pytest.raises(CertificateRejected, match="certificat"):
        _deliver_next(db, _adapter(dmp_sandbox, settings))


def test_without_a_homologation_number_nothing_is_sent_and_an_administrator_is_asked_in_french(
        db, settings, dmp_sandbox) -> None:
    resident = admit(db, 9)
    queue_n1(db, resident, "91")
    with pytest.raises(ConfigurationIncomplete, match="dmp_homologation_id") as incomplete:
        _deliver_next(db, _adapter(dmp_sandbox, settings, dmp_homologation_id="  "))
    assert "homologation" in str(incomplete.value)
    assert dmp_sandbox.server.store.request_count() == 0


def test_the_sandbox_settings_name_a_homologation_number_that_is_plainly_a_test_value(
        tmp_path, sandbox_pki) -> None:
    state = describe(sandbox_pki, dmp_url="https://127.0.0.1:1/", smtp_port=1, imap_port=None,
                     control_port=2, mailbox="a@b.fr", password_file=tmp_path / "p",
                     finess="750000001", home_name="EHPAD", directory=tmp_path)
    number = state["settings"]["RELAIS_DMP_HOMOLOGATION_ID"]
    assert number == SANDBOX_HOMOLOGATION_ID and "TEST" in number


def test_the_probe_makes_a_real_handshake_and_reports_the_certificate_expiry(
        settings, dmp_sandbox) -> None:
    adapter = _adapter(dmp_sandbox, settings)
    up = adapter.probe()
    assert up.reachable and up.certificate_expires_at is not None
    dmp_sandbox.switch.set(FaultKind.OFFLINE)
    down = adapter.probe()
    assert not down.reachable and "injoignable" in down.detail
    dmp_sandbox.switch.set(FaultKind.REJECT_CERTIFICATE)
    assert "certificat" in adapter.probe().detail
