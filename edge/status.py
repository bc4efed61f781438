"""What `relais status` reports: whether the record is there and unlocked, its keys, queues and size."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from edge import keyring_store
from edge.certificates import CertificateState, read_certificate_status
from edge.config import Settings
from edge.datadir import get_meta, is_initialised, key_provider_of, open_record
from edge.errors import EdgeError
from edge.outbox import count_by_state


@dataclass(frozen=True, slots=True)
class Status:
    initialised: bool
    data_dir: str
    unlocked: bool = False
    problem: str | None = None
    key_provider: str | None = None
    key_file_insecure: bool = False
    database_bytes: int = 0
    residents: int = 0
    users: int = 0
    observations: int = 0
    audit_entries: int = 0
    keys: list[dict[str, Any]] = field(default_factory=list)
    rotation_due: bool = False
    recovery_kit: bool = False
    outbox: dict[str, dict[str, int]] = field(default_factory=dict)
    certificates: dict[str, dict[str, str | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _count(db: Any, table: str) -> int:
    return int(db.query(f"SELECT COUNT(*) FROM {table}")[0][0])  # noqa: S608


def _certificates(settings: Settings, now: datetime) -> dict[str, dict[str, str | None]]:
    """The state of each certificate a configured national service needs (none when unconfigured)."""
    wanted: dict[str, tuple[Path | None, str]] = {}
    if settings.dmp_url:
        wanted["dmp_client_cert"] = (settings.dmp_client_cert, "Le certificat DMP")
        if settings.dmp_signing_cert is not None:
            wanted["dmp_signing_cert"] = (settings.dmp_signing_cert, "Le certificat de signature")
    if settings.mssante_mailbox:
        wanted["mssante_client_cert"] = (settings.mssante_client_cert or settings.dmp_client_cert,
                                         "Le certificat MSSanté")
    report: dict[str, dict[str, str | None]] = {}
    for name, (path, label) in wanted.items():
        state = read_certificate_status(path, now, label=label)
        report[name] = {"state": state.state.value, "message": state.message,
                        "not_after": state.not_after.isoformat() if state.not_after else None}
    return report


def read_status(settings: Settings, now: datetime | None = None) -> Status:
    """Gather the status; never raises for a missing or locked record (it says so instead)."""
    data_dir = str(settings.data_dir)
    try:
        if not is_initialised(settings):
            return Status(False, data_dir, problem="no Relais record here: run `relais init`")
        db = open_record(settings)
    except EdgeError as exc:
        return Status(True, data_dir, problem=str(exc))
    try:
        keys = keyring_store.describe_keys(db.reader())
        active = [key for key in keys if key.state == keyring_store.ACTIVE]
        rotation_due = bool(active) and active[-1].seal_count >= settings.key_rotation_seals
        insecure = get_meta(db, "key_file_insecure") == "1" or settings.key_file_is_insecure
        provider = key_provider_of(db)
        recovery = bool(active) and all(key.recoverable for key in keys)
        warnings = []
        if insecure:
            warnings.append("INSECURE: the key file is stored with the data it protects (demo only)")
        if rotation_due:
            warnings.append("the data key is due for rotation: run `relais keys rotate`")
        if not recovery:
            warnings.append("no recovery kit covers the current keys: run `relais keys recovery-kit`")
        if any(key.state == keyring_store.RETIRING for key in keys):
            warnings.append("a key rotation was interrupted: run `relais keys rotate` to finish it")
        certificates = _certificates(settings, now or datetime.now().astimezone())
        warnings += [entry["message"] or name for name, entry in certificates.items()
                     if entry["state"] != CertificateState.VALID]
        size = sum(path.stat().st_size for path in settings.data_dir.glob("relais.db*"))
        return Status(
            True, data_dir, True, None, provider, insecure, size, _count(db, "residents"),
            _count(db, "users"), _count(db, "observations"), _count(db, "audit"),
            [{"version": key.version, "state": key.state, "created_at": key.created_at,
              "seal_count": key.seal_count} for key in keys],
            rotation_due, recovery, count_by_state(db), certificates, warnings)
    finally:
        db.close()
