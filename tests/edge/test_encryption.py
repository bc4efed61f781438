"""Sealing values: round trips, tampering refused, nonces unique, seal counts kept with the data."""

from __future__ import annotations

import os

import pytest

from edge.encryption import OVERHEAD, SEAL_HARD_LIMIT, Keyring, key_version_of
from edge.errors import IntegrityViolation, KeyUnavailable
from edge.observations import NewObservation, store_observations
from edge.record import CaptureMethod


def _keyring(**kwargs: object) -> Keyring:
    return Keyring({1: os.urandom(32)}, {1: os.urandom(32)}, os.urandom(32), **kwargs)  # type: ignore[arg-type]


def test_a_sealed_value_opens_only_in_its_own_place() -> None:
    keyring = _keyring()
    sealed = keyring.seal_text("DUPONT", "residents", "identity", "r1")
    assert keyring.open_text(sealed, "residents", "identity", "r1") == "DUPONT"
    assert b"DUPONT" not in sealed
    for table, column, row in (("residents", "identity", "r2"), ("residents", "room", "r1"),
                               ("users", "identity", "r1")):
        with pytest.raises(IntegrityViolation):
            keyring.open(sealed, table, column, row)


@pytest.mark.parametrize("position", [0, 3, 5, 10, 17, 20, -1])
def test_a_flipped_bit_anywhere_is_refused(position: int) -> None:
    keyring = _keyring()
    sealed = bytearray(keyring.seal_text("note text", "care_notes", "body", "n1"))
    sealed[position] ^= 0x01
    with pytest.raises(IntegrityViolation):
        keyring.open(bytes(sealed), "care_notes", "body", "n1")


@pytest.mark.parametrize("keep", [0, 4, OVERHEAD - 1, OVERHEAD, OVERHEAD + 3])
def test_a_truncated_value_is_refused(keep: int) -> None:
    keyring = _keyring()
    sealed = keyring.seal_text("texte", "care_notes", "body", "n1")
    with pytest.raises(IntegrityViolation):
        keyring.open(sealed[:keep], "care_notes", "body", "n1")


def test_a_value_claiming_another_key_version_is_refused() -> None:
    keyring = Keyring({1: os.urandom(32), 2: os.urandom(32)}, {1: b"i" * 32, 2: b"j" * 32},
                      os.urandom(32))
    sealed = bytearray(keyring.seal_text("x", "t", "c", "r"))
    assert key_version_of(bytes(sealed)) == 2
    sealed[4] = 1
    with pytest.raises(IntegrityViolation):
        keyring.open(bytes(sealed), "t", "c", "r")


def test_blind_indexes_match_regardless_of_case_and_accents_but_differ_by_kind() -> None:
    keyring = _keyring()
    assert keyring.blind_index("name", "Lefèvre") == keyring.blind_index("name", " LEFEVRE ")
    assert keyring.blind_index("name", "LEFEVRE") != keyring.blind_index("login", "LEFEVRE")


def test_sealing_refuses_past_the_nist_limit_for_random_nonces() -> None:
    keyring = _keyring(seal_counts={1: SEAL_HARD_LIMIT - 1})
    keyring.seal(b"x", "t", "c", "r")
    with pytest.raises(KeyUnavailable):
        keyring.seal(b"x", "t", "c", "r")


def test_no_two_stored_values_share_a_nonce(db, traits) -> None:  # type: ignore[no-untyped-def]
    from edge.residents import admit_resident

    resident = admit_resident(db, "u", traits)
    for _ in range(200):
        store_observations(db, [NewObservation("8867-4", "/min", 70, CaptureMethod.TYPED,
                                               db.now(), resident, "u")])
    nonces = []
    for table, column in (("observations", "value"), ("audit", "details"),
                          ("residents", "identity")):
        nonces += [bytes(row[0])[5:17] for row in db.query(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")]
    assert len(nonces) > 400
    assert len(set(nonces)) == len(nonces)


def test_seal_counts_are_written_with_the_values_they_count(db, traits) -> None:  # type: ignore[no-untyped-def]
    from edge.residents import admit_resident

    def stored_count() -> int:
        return db.query("SELECT seal_count FROM keyring WHERE purpose = 'data'")[0][0]

    def sealed_values() -> int:
        total = 0
        for table, columns in (("observations", ("value", "reason")), ("audit", ("details",)),
                               ("residents", ("identity", "room", "care_context")),
                               ("identity_events", ("evidence",)),
                               ("users", ("login", "display_name", "totp_secret"))):
            for column in columns:
                total += db.query(f"SELECT COUNT({column}) FROM {table}")[0][0]
        return total

    resident = admit_resident(db, "u", traits, room="12")
    assert stored_count() == sealed_values()
    with pytest.raises(RuntimeError), db.write():
        db.keyring.seal(b"lost", "t", "c", "r")
        raise RuntimeError("rolled back")
    store_observations(db, [NewObservation("8310-5", "Cel", 37.2, CaptureMethod.TYPED, db.now(),
                                           resident, "u")])
    assert stored_count() == sealed_values()
