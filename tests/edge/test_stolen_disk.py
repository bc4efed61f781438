"""Stolen-disk test: no marker planted in any field a person or device fills is readable on disk.

Markers go into every such field (names, used names, INS matricule, birth date, room, note text,
amendment reasons, staff names and logins, distinctive measured values, document content); a
workload with checkpoints, a key rotation and a backup runs with logging captured; then every file
of the data directory (database, WAL, backups) and everything logged is scanned for each marker
in UTF-8, UTF-16 (both byte orders) and, for numbers, their text and 8-byte double forms.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
from datetime import date
from pathlib import Path

import pytest

from edge.backup import make_backup
from edge.ins import InsOid, matricule_key, validate_traits
from edge.ins_status import IdDocumentCheck, IdDocumentType, InsiResult, InsiReturnCode
from edge.keys import read_key_file
from edge.notes import add_note, amend_note
from edge.observations import NewObservation, amend_observation, store_observations
from edge.outbox import store_document
from edge.record import CaptureMethod, Destination, Role
from edge.residents import admit_resident, record_identity_event, update_care_context
from edge.rotation import rotate_keys
from edge.users import add_user

pytestmark = pytest.mark.integration

TEXT_MARKERS = {
    "family": "ZQXVORTH", "given": "WUPKELIA", "used_family": "YRMBASTO", "used_given": "JOVRINEL",
    "room": "CHAMBRE-QZ7731", "note_target": "CIBLE-XKQ4419", "note_text": "DONNEES-PLX9934",
    "note_action": "ACTIONS-MRT5521", "amend_reason": "RAISON-HGV7712",
    "obs_reason": "CORRECTION-TTW8841", "staff_name": "Soignante Vexmoraldine",
    "login": "vexlogin77", "document": "CONTENU-DOC-KWZ6650",
    "care_context": "Dr Trelvanoux", "trusted_person": "Odilvexa Prunard",
}
BIRTH_DATE = date(1931, 7, 19)
NUMBER_MARKERS = (37.913, 141.37, 63.29)


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def _forms(marker: str) -> list[bytes]:
    return [marker.encode("utf-8"), marker.encode("utf-16-le"), marker.encode("utf-16-be")]


def _number_forms(value: float) -> list[bytes]:
    return [*_forms(repr(value)), struct.pack("<d", value), struct.pack(">d", value)]


def test_no_planted_marker_is_found_in_files_or_logs(settings, db, caplog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    body = "1310775056" + "123"
    matricule = body + matricule_key(body)
    traits = validate_traits(
        birth_family_name=TEXT_MARKERS["family"], birth_given_names=TEXT_MARKERS["given"],
        birth_date=BIRTH_DATE, sex="M", birthplace="75056", today=date(2026, 11, 22),
        used_family_name=TEXT_MARKERS["used_family"], used_given_name=TEXT_MARKERS["used_given"])
    staff = add_user(db, None, TEXT_MARKERS["login"], TEXT_MARKERS["staff_name"], Role.INFIRMIER,
                     "une phrase de passe assez longue")
    resident = admit_resident(db, staff, traits, room=TEXT_MARKERS["room"])
    record_identity_event(db, resident, staff, InsiResult(InsiReturnCode.FOUND, matricule,
                                                          InsOid.TEST.value, True))
    record_identity_event(db, resident, staff, IdDocumentCheck(IdDocumentType.PASSPORT))
    update_care_context(db, resident, staff, context={
        "medecin_traitant": TEXT_MARKERS["care_context"],
        "personne_de_confiance": TEXT_MARKERS["trusted_person"]})
    temperature, weight, glucose = NUMBER_MARKERS
    ids = store_observations(db, [
        NewObservation("8310-5", "Cel", temperature, CaptureMethod.DEVICE, db.now(), resident,
                       staff, device_id="thermo-1"),
        NewObservation("29463-7", "kg", weight / 2, CaptureMethod.DEVICE, db.now(), resident,
                       staff, original_value=weight, original_unit="[lb_av]"),
        NewObservation("2339-0", "mg/dL", glucose, CaptureMethod.TYPED, db.now(), resident,
                       staff)])
    amend_observation(db, ids[0], staff, 37.5, TEXT_MARKERS["obs_reason"])
    note = add_note(db, resident, staff, TEXT_MARKERS["note_target"], TEXT_MARKERS["note_text"],
                    TEXT_MARKERS["note_action"])
    amend_note(db, note, staff, TEXT_MARKERS["amend_reason"], TEXT_MARKERS["note_target"],
               TEXT_MARKERS["note_text"] + " corrigé")
    store_document(db, resident_id=resident, kind="N1", unique_id="1.2.250.1.999.1.1",
                   media_type="application/pdf",
                   content=("%PDF-1.4 " + TEXT_MARKERS["document"]).encode(),
                   metadata={"title": TEXT_MARKERS["document"]}, author_id=staff,
                   destinations=[Destination.DMP, Destination.MSSANTE], identity_qualified=True)
    _checkpoint(db.path)
    kek = read_key_file(settings.key_file)
    rotate_keys(db, kek, staff, batch=3)
    make_backup(db, kek, settings.data_dir / "backups" / "b1.relais", staff)
    _checkpoint(db.path)

    markers: dict[str, list[bytes]] = {name: _forms(text) for name, text in TEXT_MARKERS.items()}
    markers["matricule"] = _forms(matricule)
    markers["birth_date"] = _forms(BIRTH_DATE.isoformat()) + _forms(BIRTH_DATE.strftime("%Y%m%d"))
    for value in NUMBER_MARKERS:
        markers[f"number {value}"] = _number_forms(value)
    files = [path for path in settings.data_dir.rglob("*") if path.is_file()]
    assert any(path.name.endswith("-wal") for path in files) or files
    found = []
    for path in files:
        data = path.read_bytes()
        found += [(name, path.name) for name, forms in markers.items()
                  if any(form in data for form in forms)]
    logged = caplog.text.encode("utf-8")
    found += [(name, "logs") for name, forms in markers.items() if any(f in logged for f in forms)]
    assert found == []
    assert len(files) >= 3
