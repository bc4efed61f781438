"""Residents, identity history, observations and notes: rules, amendments and refusals."""

from __future__ import annotations

import pytest

from edge.errors import RecordRejected
from edge.ins import matricule_key
from edge.ins_status import (
    DoubtRaised,
    IdDocumentCheck,
    IdDocumentType,
    IdentityStatus,
    InsiResult,
    InsiReturnCode,
    TransitionRefused,
)
from edge.notes import add_note, amend_note, list_notes
from edge.observations import (
    NewObservation,
    amend_observation,
    list_observations,
    store_observations,
)
from edge.outbox import IDENTITY_NOT_QUALIFIED, claim_next, release_stale_claims, store_document
from edge.record import CaptureMethod, Destination, OutboxState
from edge.residents import (
    admit_resident,
    get_resident,
    identity_history,
    record_identity_event,
    update_care_context,
)

BODY = "2350351215123"
MATRICULE = BODY + matricule_key(BODY)


def _insi() -> InsiResult:
    return InsiResult(InsiReturnCode.FOUND, MATRICULE, "1.2.250.1.213.1.4.10", True)


def test_identity_goes_from_prov_to_qual_with_its_history(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits)
    assert record_identity_event(db, resident, "ide", _insi()) is IdentityStatus.RECUP
    assert record_identity_event(db, resident, "ide", IdDocumentCheck(IdDocumentType.PASSPORT)
                                 ) is IdentityStatus.QUAL
    assert record_identity_event(db, resident, "ide", DoubtRaised("homonyme possible")
                                 ) is IdentityStatus.RECUP
    history = identity_history(db, resident, "ide")
    assert [(h.event, h.to_status) for h in history] == [
        ("admission", IdentityStatus.PROV), ("insi", IdentityStatus.RECUP),
        ("id_document", IdentityStatus.QUAL), ("doubt", IdentityStatus.RECUP)]
    assert history[2].evidence["document"] == "PA"
    assert get_resident(db, resident, "ide").matricule == MATRICULE


def test_a_refused_identity_event_changes_nothing(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits)
    with pytest.raises(TransitionRefused):
        record_identity_event(db, resident, "ide", InsiResult(InsiReturnCode.SEVERAL))
    assert get_resident(db, resident, "ide").status is IdentityStatus.PROV
    assert len(identity_history(db, resident, "ide")) == 1


def test_the_same_matricule_cannot_belong_to_two_residents(db, traits) -> None:  # type: ignore[no-untyped-def]
    first = admit_resident(db, "ide", traits)
    record_identity_event(db, first, "ide", _insi())
    second = admit_resident(db, "ide", traits)
    with pytest.raises(RecordRejected, match="doublon"):
        record_identity_event(db, second, "ide", _insi())


def test_impossible_values_are_refused_and_alarming_ones_accepted(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "as", traits)
    with pytest.raises(RecordRejected, match="impossible"):
        store_observations(db, [
            NewObservation("8867-4", "/min", 80, CaptureMethod.TYPED, db.now(), resident, "as"),
            NewObservation("2708-6", "%", 140, CaptureMethod.TYPED, db.now(), resident, "as")])
    with pytest.raises(RecordRejected, match="unité"):
        store_observations(db, [NewObservation("8310-5", "[degF]", 99, CaptureMethod.TYPED,
                                               db.now(), resident, "as")])
    assert list_observations(db, resident, "as") == []
    store_observations(db, [NewObservation("2708-6", "%", 82, CaptureMethod.TYPED, db.now(),
                                           resident, "as")])
    assert [obs.value for obs in list_observations(db, resident, "as")] == [82]


def test_an_amended_observation_keeps_its_history(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "as", traits)
    (first,) = store_observations(db, [NewObservation("8310-5", "Cel", 39.8, CaptureMethod.DEVICE,
                                                      db.now(), resident, None, device_id="t1")])
    with pytest.raises(RecordRejected):
        amend_observation(db, first, "ide", 37.8, " ")
    second = amend_observation(db, first, "ide", 37.8, "thermomètre mal placé")
    current = list_observations(db, resident, "ide")
    assert [(obs.id, obs.value, obs.amends_id) for obs in current] == [(second, 37.8, first)]
    everything = list_observations(db, resident, "ide", include_amended=True)
    assert [obs.amended_by for obs in everything] == [second, None]
    with pytest.raises(RecordRejected, match="déjà été corrigée"):
        amend_observation(db, first, "ide", 37.0, "encore")


def test_notes_are_amended_never_edited(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "as", traits)
    with pytest.raises(RecordRejected, match="cible"):
        add_note(db, resident, "as", " ", "x")
    note = add_note(db, resident, "as", "Chute", "Retrouvée au sol", "IDE appelée")
    fixed = amend_note(db, note, "ide", "heure erronée", "Chute", "Retrouvée au sol à 3 h",
                       "IDE appelée")
    notes = list_notes(db, resident, "ide")
    assert [(n.id, n.amends_id, n.amended_by) for n in notes] == [(fixed, note, None),
                                                                    (note, None, fixed)]
    assert notes[0].reason == "heure erronée"


def test_a_document_for_a_non_qualified_identity_waits_blocked(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits)
    store_document(db, resident_id=resident, kind="DLU", unique_id="1.2.3.4", media_type="text/xml",
                   content=b"<ClinicalDocument/>", metadata={}, author_id="ide",
                   destinations=[Destination.DMP, Destination.MSSANTE], identity_qualified=False)
    rows = db.query("SELECT state, blocked_reason FROM outbox")
    assert [(OutboxState(r[0]), r[1]) for r in rows] == [(OutboxState.BLOCKED,
                                                          IDENTITY_NOT_QUALIFIED)] * 2
    assert claim_next(db, "w") is None


def test_claims_left_by_a_crash_are_released_in_order(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits)
    for index in range(2):
        store_document(db, resident_id=resident, kind="N1", unique_id=f"1.2.3.{index}",
                       media_type="application/pdf", content=b"%PDF", metadata={},
                       author_id="ide", destinations=[Destination.DMP], identity_qualified=True)
    first = claim_next(db, "w1")
    assert first is not None and first.state is OutboxState.SENDING
    assert release_stale_claims(db) == 1
    again = claim_next(db, "w2")
    assert again is not None and again.id == first.id and again.attempts == 2


def test_room_and_care_context_are_kept_sealed_and_checked(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits, room="12")
    update_care_context(db, resident, "ide", room="14 B", context={
        "medecin_traitant": "Dr Roux, Reims", "personne_de_confiance": " Fille : Anne ",
        "allergies": ""})
    read = get_resident(db, resident, "ide")
    assert read.room == "14 B"
    assert read.care_context == {"medecin_traitant": "Dr Roux, Reims",
                                 "personne_de_confiance": "Fille : Anne"}
    with pytest.raises(RecordRejected, match="inconnu"):
        update_care_context(db, resident, "ide", context={"groupe_sanguin": "O+"})
    raw = db.query("SELECT care_context FROM residents WHERE id = ?", (resident,))[0][0]
    assert b"Roux" not in raw
