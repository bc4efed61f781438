"""The device registry: medical devices the appliance has seen, their pairing, health and counters.

A device is discovered (by the devices process, on a serial port, a BLE address or an HL7
monitor's identity), then paired by a person: given a name (sealed, it may name a resident) and
bound either to one resident (a personal device) or shared. Unpairing returns it to "discovered";
retiring takes it out of service for good. The devices process records its battery, when it was
last heard from and how many frames it sent that were accepted or refused (with the last reason).
For devices that keep their records (glucose meters, through the Record Access Control Point) it
also keeps the RACP cursor: the highest record sequence number already stored.
A paired device with an expected interval that has not been heard from for longer is "silent".
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.record import new_id
from edge.storage import Database

DEVICE_ACTOR_PREFIX = "device:"
RACP_SEQUENCE_MAX = 0xFFFF
"""RACP sequence numbers are 16-bit."""
"""Audit entries written by the devices process name the device as actor: ``device:<id>``."""


class DeviceState(StrEnum):
    """Life of a registry entry."""

    DISCOVERED = "discovered"
    PAIRED = "paired"
    RETIRED = "retired"


class DeviceBinding(StrEnum):
    """Whose readings a paired device takes: one resident's (personal) or anyone's (shared)."""

    PERSONAL = "personal"
    SHARED = "shared"


class DeviceTransport(StrEnum):
    """The medium a device is reached through."""

    SERIAL = "serial"
    BLE = "ble"
    MLLP = "mllp"


@dataclass(frozen=True, slots=True)
class Device:
    """One registry entry as read back; `silent` is computed against the clock at reading time."""

    id: str
    transport: str
    protocol: str
    address: str
    name: str | None
    state: DeviceState
    binding: DeviceBinding
    resident_id: str | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    battery_percent: int | None
    battery_at: str | None
    first_seen_at: str
    last_seen_at: str | None
    expected_interval_s: int | None
    frames_accepted: int
    frames_rejected: int
    last_reject_reason: str | None
    paired_at: str | None
    paired_by: str | None
    silent: bool
    racp_last_sequence: int | None = None


def device_actor(device_id: str) -> str:
    """The audit actor of what a device did by itself."""
    return DEVICE_ACTOR_PREFIX + device_id


def _is_silent(row: sqlite3.Row, now: datetime) -> bool:
    if row["state"] != DeviceState.PAIRED.value or not row["expected_interval_s"]:
        return False
    reference = row["last_seen_at"] or row["paired_at"]
    if reference is None:
        return False
    return now - datetime.fromisoformat(reference) > timedelta(seconds=row["expected_interval_s"])


def _to_device(db: Database, row: sqlite3.Row) -> Device:
    name = (db.keyring.open_text(row["name"], "devices", "name", row["id"])
            if row["name"] is not None else None)
    return Device(
        id=row["id"], transport=row["transport"], protocol=row["protocol"], address=row["address"],
        name=name, state=DeviceState(row["state"]), binding=DeviceBinding(row["binding"]),
        resident_id=row["resident_id"], manufacturer=row["manufacturer"], model=row["model"],
        serial_number=row["serial_number"], battery_percent=row["battery_percent"],
        battery_at=row["battery_at"], first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"], expected_interval_s=row["expected_interval_s"],
        frames_accepted=row["frames_accepted"], frames_rejected=row["frames_rejected"],
        last_reject_reason=row["last_reject_reason"], paired_at=row["paired_at"],
        paired_by=row["paired_by"], silent=_is_silent(row, db.clock()),
        racp_last_sequence=row["racp_last_sequence"])


def get_device(db: Database, device_id: str) -> Device:
    """:raises NotFound: no device with this id."""
    rows = db.query("SELECT * FROM devices WHERE id = ?", (device_id,))
    if not rows:
        raise NotFound("no such device")
    return _to_device(db, rows[0])


def find_device(db: Database, transport: str, address: str) -> Device | None:
    """The device known at this address on this transport, if any."""
    rows = db.query("SELECT * FROM devices WHERE transport = ? AND address = ?", (transport, address))
    return _to_device(db, rows[0]) if rows else None


def register_device(db: Database, transport: str, protocol: str, address: str, *,
                    manufacturer: str | None = None, model: str | None = None,
                    serial_number: str | None = None,
                    expected_interval_s: int | None = None) -> Device:
    """Record a discovered device, or return the one already known at this address.

    Known devices keep their pairing; a new protocol, manufacturer, model or serial number
    reported for them replaces the old one. Only the first discovery is audited.
    """
    if not address.strip():
        raise RecordRejected("Un appareil doit avoir une adresse.")
    with db.write() as conn:
        row = conn.execute("SELECT id FROM devices WHERE transport = ? AND address = ?",
                           (transport, address)).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE devices SET protocol = ?, manufacturer = COALESCE(?, manufacturer), "
                "model = COALESCE(?, model), serial_number = COALESCE(?, serial_number) "
                "WHERE id = ?", (protocol, manufacturer, model, serial_number, row["id"]))
            device_id = str(row["id"])
        else:
            device_id = new_id()
            conn.execute(
                "INSERT INTO devices (id, transport, protocol, address, state, binding, "
                "manufacturer, model, serial_number, first_seen_at, expected_interval_s) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (device_id, transport, protocol, address, DeviceState.DISCOVERED.value,
                 DeviceBinding.SHARED.value, manufacturer, model, serial_number, db.now(),
                 expected_interval_s))
            append_audit(db, device_actor(device_id), AuditAction.CREATE, "device", device_id,
                         details={"transport": transport, "protocol": protocol}, conn=conn)
    return get_device(db, device_id)


def pair_device(db: Database, device_id: str, user_id: str, *, name: str,
                binding: DeviceBinding, resident_id: str | None = None,
                expected_interval_s: int | None = None) -> Device:
    """Pair (or re-pair) a device: give it a name and bind it to one resident or share it.

    :param expected_interval_s: how often it should be heard from; None never reports it silent.
    :raises RecordRejected: a retired device, an empty name, a personal device without a
        resident or a shared one with a resident.
    :raises NotFound: no such device or resident.
    """
    name = name.strip()
    if not name:
        raise RecordRejected("Donnez un nom à l'appareil.")
    if binding is DeviceBinding.PERSONAL and resident_id is None:
        raise RecordRejected("Un appareil personnel doit être attribué à un résident.")
    if binding is DeviceBinding.SHARED and resident_id is not None:
        raise RecordRejected("Un appareil partagé n'est attribué à aucun résident.")
    if expected_interval_s is not None and expected_interval_s <= 0:
        raise RecordRejected("L'intervalle attendu doit être positif.")
    with db.write() as conn:
        current = _current_state(conn, device_id)
        if current is DeviceState.RETIRED:
            raise RecordRejected("Cet appareil est retiré du service : il ne peut plus être associé.")
        if resident_id is not None and conn.execute(
                "SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone() is None:
            raise NotFound("no such resident")
        conn.execute(
            "UPDATE devices SET name = ?, state = ?, binding = ?, resident_id = ?, "
            "expected_interval_s = COALESCE(?, expected_interval_s), paired_at = ?, paired_by = ? "
            "WHERE id = ?",
            (db.keyring.seal_text(name, "devices", "name", device_id), DeviceState.PAIRED.value,
             binding.value, resident_id, expected_interval_s, db.now(), user_id, device_id))
        append_audit(db, user_id, AuditAction.UPDATE, "device", device_id, resident_id=resident_id,
                     details={"change": "pair", "binding": binding.value}, conn=conn)
    return get_device(db, device_id)


def unpair_device(db: Database, device_id: str, user_id: str) -> Device:
    """Undo a pairing: the device is "discovered" again, shared and bound to nobody."""
    return _set_state(db, device_id, user_id, DeviceState.DISCOVERED, "unpair")


def retire_device(db: Database, device_id: str, user_id: str) -> Device:
    """Take a device out of service: its readings are refused from now on."""
    return _set_state(db, device_id, user_id, DeviceState.RETIRED, "retire")


def _current_state(conn: sqlite3.Connection, device_id: str) -> DeviceState:
    row = conn.execute("SELECT state FROM devices WHERE id = ?", (device_id,)).fetchone()
    if row is None:
        raise NotFound("no such device")
    return DeviceState(row["state"])


def _set_state(db: Database, device_id: str, user_id: str, state: DeviceState, change: str) -> Device:
    with db.write() as conn:
        previous = conn.execute("SELECT resident_id FROM devices WHERE id = ?", (device_id,)).fetchone()
        if previous is None:
            raise NotFound("no such device")
        conn.execute(
            "UPDATE devices SET state = ?, binding = ?, resident_id = NULL, paired_at = NULL, "
            "paired_by = NULL WHERE id = ?",
            (state.value, DeviceBinding.SHARED.value, device_id))
        append_audit(db, user_id, AuditAction.UPDATE, "device", device_id,
                     resident_id=previous["resident_id"], details={"change": change}, conn=conn)
    return get_device(db, device_id)


def record_battery(db: Database, device_id: str, percent: int) -> None:
    """Store the battery level a device reported (0–100; other values are ignored)."""
    if not 0 <= percent <= 100:
        return
    with db.write() as conn:
        conn.execute("UPDATE devices SET battery_percent = ?, battery_at = ?, last_seen_at = ? "
                     "WHERE id = ?", (percent, db.now(), db.now(), device_id))


def record_seen(db: Database, device_id: str) -> None:
    """The device was heard from (connected, advertised, sent anything)."""
    with db.write() as conn:
        conn.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (db.now(), device_id))


def record_racp_cursor(db: Database, device_id: str, sequence: int | None) -> None:
    """Keep the highest stored-record sequence number already stored for this device.

    Call it only after the records up to `sequence` are committed. None forgets the cursor (the
    next fetch asks for every stored record), as after a meter whose numbering restarted.
    :raises RecordRejected: a sequence number outside 0–65535.
    :raises NotFound: no such device.
    """
    if sequence is not None and not 0 <= sequence <= RACP_SEQUENCE_MAX:
        raise RecordRejected("Un numéro de séquence RACP tient sur 16 bits.")
    with db.write() as conn:
        updated = conn.execute("UPDATE devices SET racp_last_sequence = ? WHERE id = ?",
                               (sequence, device_id)).rowcount
        if updated == 0:
            raise NotFound("no such device")


def record_rejected_frame(db: Database, device_id: str, reason: str, count: int = 1) -> None:
    """Count frames refused before they became a reading (garbage, bad checksum, truncation)."""
    with db.write() as conn:
        count_frames(db, conn, device_id, rejected=count, reason=reason)


def count_frames(db: Database, conn: sqlite3.Connection, device_id: str, *, accepted: int = 0,
                 rejected: int = 0, reason: str | None = None) -> None:
    """Add to a device's counters inside the caller's write transaction; it was heard from now."""
    conn.execute(
        "UPDATE devices SET frames_accepted = frames_accepted + ?, "
        "frames_rejected = frames_rejected + ?, "
        "last_reject_reason = COALESCE(?, last_reject_reason), last_seen_at = ? WHERE id = ?",
        (accepted, rejected, reason if rejected else None, db.now(), device_id))


def list_devices(db: Database, *, include_retired: bool = False) -> list[Device]:
    """Every device, paired ones first, then by first sighting."""
    sql = "SELECT * FROM devices"
    if not include_retired:
        sql += " WHERE state != 'retired'"
    rows = db.query(sql + " ORDER BY state = 'paired' DESC, first_seen_at, id")
    return [_to_device(db, row) for row in rows]
