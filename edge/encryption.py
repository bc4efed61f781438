"""Field-level encryption of the record: sealing values with AES-256-GCM and blind indexes.

Envelope scheme. A key-encryption key (KEK) comes from a key provider (`edge.keys`). It wraps
(AES Key Wrap, RFC 3394, AES-256) the data keys, which are stored only wrapped, each with a version.
Three kinds of data key exist: ``data`` (seals values), ``index`` (HMAC blind indexes for exact
look-ups, kept apart so that a look-up key never opens a value) and ``audit`` (keys the audit chain).

Sealed value layout (all big-endian)::

    0x01 | key version (4 bytes) | nonce (12 bytes) | ciphertext | GCM tag (16 bytes)

The associated data binds the value to where it lives: table, column, row id and key version. A
ciphertext copied to another row or column, a flipped bit, a truncated value or a changed version
byte all fail authentication, and `open` raises `IntegrityViolation`; nothing is ever decrypted to
something wrong.

Nonce uniqueness. Every seal draws a fresh 96-bit nonce from the operating system's CSPRNG
(``os.urandom``); no nonce is derived from state that a crash or a restored backup could replay, so
nothing has to be persisted before a nonce is used. Two seals under one key collide with probability
at most n²/2^97 after n seals (NIST SP 800-38D §8.3 bounds random-nonce use at 2^32 seals per key,
keeping that below 2^-33). The per-key seal limit: every write transaction adds the number of values
it sealed to the key's ``seal_count`` *in the same transaction* (`edge.storage`), so the count
covers exactly the ciphertexts that exist. `relais status` asks for `relais keys rotate` at the
``key_rotation_seals`` setting (2^28 by default, where the collision bound is 2^-41), and `seal`
refuses outright past 2^32, so the NIST limit can never be crossed even if nobody rotates. At a care
home's volume (about 2 million seals a year) the default threshold is reached after a century, so
yearly rotation is the practical trigger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import unicodedata
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edge.errors import IntegrityViolation, KeyUnavailable

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
FORMAT = 1
_HEADER = struct.Struct(">BI")
OVERHEAD = _HEADER.size + NONCE_BYTES + TAG_BYTES
SEAL_HARD_LIMIT = 2**32
_AAD_PREFIX = b"relais-field-v1"


class KeyPurpose(StrEnum):
    """What a data key is used for."""

    DATA = "data"
    INDEX = "index"
    AUDIT = "audit"


def associated_data(table: str, column: str, row_id: str, version: int) -> bytes:
    """The bytes a sealed value is bound to; a NUL separates parts so none can run into another."""
    parts = (_AAD_PREFIX, table.encode(), column.encode(), row_id.encode())
    return b"\x00".join(parts) + b"\x00" + struct.pack(">I", version)


def key_version_of(sealed: bytes) -> int:
    """The key version a sealed value claims (authenticated only when the value is opened)."""
    if len(sealed) < OVERHEAD or sealed[0] != FORMAT:
        raise IntegrityViolation("a stored value is truncated or not in the sealed format")
    return int(_HEADER.unpack_from(sealed)[1])


class Keyring:
    """The unwrapped keys of one process, in memory only, and the operations that use them.

    :param data_keys: data keys by version; the highest version seals new values.
    :param index_keys: blind-index keys by version (same versions as the data keys).
    :param audit_key: the key of the audit chain.
    :param seal_counts: values already sealed per data key version (from the keyring table).
    :param random_bytes: nonce source, ``os.urandom`` unless a test passes another.
    :param fetch_version: loads a key version this keyring does not hold (made by a rotation
        in another process), returning its data and index keys.
    """

    def __init__(
        self,
        data_keys: Mapping[int, bytes],
        index_keys: Mapping[int, bytes],
        audit_key: bytes,
        seal_counts: Mapping[int, int] | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
        fetch_version: Callable[[int], tuple[bytes, bytes] | None] | None = None,
    ) -> None:
        if not data_keys:
            raise KeyUnavailable("no data key is available")
        self._aead = {version: AESGCM(key) for version, key in data_keys.items()}
        self._index_keys = dict(index_keys)
        self._audit_key = audit_key
        self.active_version = max(data_keys)
        self._stored_seals = dict(seal_counts or {})
        self._pending_seals = 0
        self._random_bytes = random_bytes
        self._fetch_version = fetch_version

    @property
    def versions(self) -> list[int]:
        return sorted(self._aead)

    def seal(self, plaintext: bytes, table: str, column: str, row_id: str) -> bytes:
        """Encrypt ``plaintext`` for ``table.column`` of row ``row_id`` under the active key."""
        version = self.active_version
        used = self._stored_seals.get(version, 0) + self._pending_seals
        if used >= SEAL_HARD_LIMIT:
            raise KeyUnavailable("the data key reached its seal limit: run `relais keys rotate`")
        nonce = self._random_bytes(NONCE_BYTES)
        aad = associated_data(table, column, row_id, version)
        sealed = self._aead[version].encrypt(nonce, plaintext, aad)
        self._pending_seals += 1
        return _HEADER.pack(FORMAT, version) + nonce + sealed

    def open(self, sealed: bytes, table: str, column: str, row_id: str) -> bytes:
        """Decrypt a value sealed for exactly this place; raise `IntegrityViolation` otherwise."""
        version = key_version_of(sealed)
        aead = self._aead.get(version) or self._load_version(version)
        if aead is None:
            raise IntegrityViolation(f"a stored value names key version {version}, which is unknown")
        nonce = sealed[_HEADER.size:_HEADER.size + NONCE_BYTES]
        try:
            return aead.decrypt(nonce, sealed[_HEADER.size + NONCE_BYTES:],
                                associated_data(table, column, row_id, version))
        except InvalidTag as exc:
            raise IntegrityViolation(
                f"a stored value failed authentication ({table}.{column} of record {row_id})"
            ) from exc

    def _load_version(self, version: int) -> AESGCM | None:
        """A key created by another process's rotation since this keyring was loaded."""
        fetched = self._fetch_version(version) if self._fetch_version else None
        if fetched is None:
            return None
        self._aead[version] = AESGCM(fetched[0])
        self._index_keys[version] = fetched[1]
        return self._aead[version]

    def seal_text(self, text: str, table: str, column: str, row_id: str) -> bytes:
        return self.seal(text.encode("utf-8"), table, column, row_id)

    def open_text(self, sealed: bytes, table: str, column: str, row_id: str) -> str:
        return self.open(sealed, table, column, row_id).decode("utf-8")

    def seal_json(self, value: Any, table: str, column: str, row_id: str) -> bytes:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return self.seal_text(text, table, column, row_id)

    def open_json(self, sealed: bytes, table: str, column: str, row_id: str) -> Any:
        return json.loads(self.open_text(sealed, table, column, row_id))

    def blind_index(self, kind: str, value: str, version: int | None = None) -> bytes:
        """HMAC-SHA256 of a normalised value, scoped by ``kind`` so equal values in two columns differ."""
        key = self._index_keys[self.active_version if version is None else version]
        message = kind.encode() + b"\x00" + normalise_for_index(value).encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).digest()

    def blind_indexes(self, kind: str, value: str) -> list[bytes]:
        """The blind index of ``value`` under every live key version (for look-ups mid-rotation)."""
        return [self.blind_index(kind, value, version) for version in sorted(self._index_keys)]

    def match_clause(self, column: str, kind: str, value: str) -> tuple[str, tuple[bytes, ...]]:
        """SQL condition and parameters matching ``value``'s blind index in ``column``."""
        indexes = self.blind_indexes(kind, value)
        return f"{column} IN ({','.join('?' * len(indexes))})", tuple(indexes)

    def audit_mac(self, message: bytes) -> bytes:
        return hmac.new(self._audit_key, message, hashlib.sha256).digest()

    def take_pending_seals(self) -> int:
        """Seals made since the last call; the caller records them in the keyring table."""
        pending, self._pending_seals = self._pending_seals, 0
        return pending

    def forget_pending_seals(self) -> None:
        """Drop the count of a transaction that rolled back: its ciphertexts do not exist."""
        self._pending_seals = 0

    def record_committed_seals(self, version: int, count: int) -> None:
        self._stored_seals[version] = self._stored_seals.get(version, 0) + count

    def seal_count(self, version: int) -> int:
        return self._stored_seals.get(version, 0)


def normalise_for_index(value: str) -> str:
    """Case-, accent- and spacing-insensitive form used for exact look-ups (names, matricules)."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.upper().split())
