"""A data directory: preparing it (`relais init`), unlocking it and opening its record.

The directory holds ``relais.db`` (with its WAL files) and ``backups/``. The database keeps the
key provider chosen at initialisation and, for a passphrase, the scrypt salt and parameters, so
every later command knows how to obtain the key-encryption key.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from edge import keyring_store
from edge.audit import AuditAction, append_audit
from edge.config import Settings
from edge.errors import (
    AlreadyInitialised,
    DataDirectoryNotReady,
    IntegrityViolation,
    KeyUnavailable,
    SettingInvalid,
)
from edge.keys import (
    PassphraseParams,
    check_passphrase_strength,
    create_key_file,
    derive_kek,
    read_key_file,
    read_runtime_kek,
)
from edge.storage import Clock, Database, connect, utc_now

_LOGGER = logging.getLogger(__name__)
SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class InitResult:
    """What `initialise` did, for the command to report."""

    database: Path
    key_file: Path | None
    key_file_created: bool
    key_file_insecure: bool


def is_initialised(settings: Settings) -> bool:
    path = settings.database_path
    if not path.is_file():
        return False
    conn = connect(path, read_only=True)
    try:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'keyring'").fetchone()
        return row is not None and conn.execute("SELECT 1 FROM keyring LIMIT 1").fetchone() is not None
    except sqlite3.DatabaseError as exc:
        raise IntegrityViolation(
            f"the database file {path} is damaged ({exc}); restore the last backup") from exc
    finally:
        conn.close()


def get_meta(db: Database, key: str, default: str = "") -> str:
    """A value of the data directory's ``meta`` table (provider, home name, FINESS, …)."""
    rows = db.query("SELECT value FROM meta WHERE key = ?", (key,))
    return str(rows[0]["value"]) if rows else default


def _params_json(params: PassphraseParams) -> str:
    return json.dumps({"salt": base64.b64encode(params.salt).decode(), "n": params.n,
                       "r": params.r, "p": params.p})


def _passphrase_params(db: Database) -> PassphraseParams:
    raw = get_meta(db, "passphrase_params")
    if not raw:
        raise KeyUnavailable("this data directory was not initialised with a passphrase")
    data = json.loads(raw)
    return PassphraseParams(base64.b64decode(data["salt"]), data["n"], data["r"], data["p"])


def key_provider_of(db: Database) -> str:
    return get_meta(db, "key_provider", "file")


def obtain_kek(settings: Settings, db: Database, passphrase: str | None = None) -> bytes:
    """The KEK from the provider this data directory was initialised with."""
    provider = key_provider_of(db)
    if provider == "passphrase":
        if passphrase is not None:
            return derive_kek(passphrase, _passphrase_params(db))
        return read_runtime_kek(settings.runtime_dir)
    if settings.key_file is None:
        raise SettingInvalid("key_file", "no key file is set for this data directory",
                             "Pass --key-file or set RELAIS_KEY_FILE to the key file's path.")
    return read_key_file(settings.key_file)


def initialise(settings: Settings, *, passphrase: str | None = None,
               clock: Clock = utc_now) -> InitResult:
    """Prepare a new data directory: schema, keys, home identity. Never touches an existing one.

    :raises AlreadyInitialised: the directory already holds a record.
    :raises SettingInvalid: the key provider's setting is missing.
    """
    if is_initialised(settings):
        raise AlreadyInitialised(
            f"{settings.data_dir} already holds a Relais record; nothing was changed")
    if settings.key_provider == "passphrase":
        if passphrase is None:
            raise SettingInvalid("key_provider", "the passphrase provider needs a passphrase",
                                 "Give it with --passphrase-stdin.")
        check_passphrase_strength(passphrase)
    elif settings.key_file is None:
        raise SettingInvalid("key_file", "the file provider needs a key file",
                             "Pass --key-file PATH (it is created if it does not exist).")
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (settings.data_dir / "backups").mkdir(mode=0o700, exist_ok=True)
    created = False
    params: PassphraseParams | None = None
    if settings.key_provider == "passphrase":
        params = PassphraseParams.new()
        kek = derive_kek(passphrase or "", params)
    else:
        assert settings.key_file is not None
        if not settings.key_file.exists():
            create_key_file(settings.key_file)
            created = True
        kek = read_key_file(settings.key_file)
    db = Database(settings.database_path, None, clock)
    try:
        db.migrate()
        with db.write() as conn:
            now = db.now()
            keyring_store.create_first_keys(conn, kek, now)
            meta = {"key_provider": settings.key_provider, "created_at": now,
                    "home_name": settings.home_name, "finess": settings.finess,
                    "key_file_insecure": "1" if settings.key_file_is_insecure else "0"}
            if params is not None:
                meta["passphrase_params"] = _params_json(params)
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        db.unlock(kek)
        append_audit(db, SYSTEM_ACTOR, AuditAction.INITIALISE, "data_directory", None)
    finally:
        db.close()
    os.chmod(settings.database_path, 0o600)
    _LOGGER.info("data directory initialised (provider %s)", settings.key_provider)
    return InitResult(settings.database_path, settings.key_file, created,
                      settings.key_file_is_insecure)


def open_record(settings: Settings, *, passphrase: str | None = None,
                clock: Clock = utc_now) -> Database:
    """Open and unlock the record of ``settings.data_dir`` for this process.

    :raises DataDirectoryNotReady: nothing was initialised there.
    :raises KeyUnavailable: the key file, passphrase or unlock is missing or wrong.
    """
    if not is_initialised(settings):
        raise DataDirectoryNotReady(
            f"{settings.data_dir} holds no Relais record: run `relais init` or `relais demo`")
    db = Database(settings.database_path, None, clock)
    try:
        db.migrate()
        kek = obtain_kek(settings, db, passphrase)
        db.unlock(kek)
    except BaseException:
        db.close()
        raise
    return db


def change_kek(settings: Settings, *, recovery_key: bytes | None = None,
               new_key_file: Path | None = None, new_passphrase: str | None = None) -> None:
    """Re-wrap every live key under a new KEK (key file or passphrase); no value is re-encrypted.

    The keys are opened with the current KEK, or with the recovery kit's key when the key file or
    passphrase was lost.
    """
    if (new_key_file is None) == (new_passphrase is None):
        raise SettingInvalid("key_file", "a new key file or a new passphrase is needed (not both)",
                             "Give --new-key-file PATH or --new-passphrase-stdin.")
    if not is_initialised(settings):
        raise DataDirectoryNotReady(f"{settings.data_dir} holds no Relais record")
    db = Database(settings.database_path, None)
    try:
        current = None if recovery_key is not None else obtain_kek(settings, db)
        if new_passphrase is not None:
            check_passphrase_strength(new_passphrase)
            params = PassphraseParams.new()
            kek, provider = derive_kek(new_passphrase, params), "passphrase"
        else:
            assert new_key_file is not None
            if not new_key_file.exists():
                create_key_file(new_key_file)
            kek, provider, params = read_key_file(new_key_file), "file", None
        with db.write() as conn:
            clear = keyring_store.unwrap_all(conn, kek=current, recovery_key=recovery_key)
            keyring_store.rewrap(conn, clear, kek=kek)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'key_provider'", (provider,))
            if params is not None:
                conn.execute("INSERT INTO meta (key, value) VALUES ('passphrase_params', ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (_params_json(params),))
        db.unlock(kek)
        append_audit(db, SYSTEM_ACTOR, AuditAction.KEY_REWRAP, "keyring", None,
                     details={"provider": provider, "with_recovery_code": recovery_key is not None})
    finally:
        db.close()
