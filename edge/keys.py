"""Key providers and key wrapping: where the key-encryption key (KEK) comes from and how data keys are kept.

Providers:

- ``file``: the KEK is 32 random bytes in a key file (USB stick, systemd credentials directory, or —
  demo only — the data directory, which is flagged as insecure wherever it shows).
- ``passphrase``: the KEK is derived from an administrator's passphrase with scrypt (N=2^17, r=8,
  p=1, a random salt kept in the database). `relais keys unlock` derives it once after boot and
  leaves it in the runtime directory (tmpfs under ``/run``), where the other processes read it.

Data keys are wrapped with AES Key Wrap (RFC 3394) under the KEK, and a second time under the
recovery key whose printed form is the home's recovery kit. An unwrap that fails means a wrong KEK:
it is reported as such and never produces a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from edge.encryption import KEY_BYTES
from edge.errors import KeyUnavailable

KEY_FILE_HEADER = "relais-kek-v1:"
RUNTIME_KEK_NAME = "kek"
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_CHARS = 15
_RECOVERY_GROUP = 4


def wrap_key(kek: bytes, key: bytes) -> bytes:
    return aes_key_wrap(kek, key)


def unwrap_key(kek: bytes, wrapped: bytes, what: str = "the key-encryption key") -> bytes:
    """Unwrap a data key; a wrong KEK raises `KeyUnavailable` naming ``what`` was wrong."""
    try:
        return aes_key_unwrap(kek, wrapped)
    except InvalidUnwrap as exc:
        raise KeyUnavailable(
            f"{what} does not open this data directory's keys (wrong key file, passphrase or code)"
        ) from exc


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def create_key_file(path: Path) -> None:
    """Write a new random KEK to ``path`` (mode 0600), refusing to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = KEY_FILE_HEADER + base64.b64encode(new_key()).decode() + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyUnavailable(f"the key file {path} already exists; it was left untouched") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def read_key_file(path: Path) -> bytes:
    """Read a KEK from a key file, with a message naming what is wrong with it."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as exc:
        raise KeyUnavailable(
            f"the key file {path} is missing: insert the key's USB stick or set key_file"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailable(f"the key file {path} cannot be read ({exc})") from exc
    if not text.startswith(KEY_FILE_HEADER):
        raise KeyUnavailable(f"{path} is not a Relais key file")
    try:
        key = base64.b64decode(text[len(KEY_FILE_HEADER):], validate=True)
    except binascii.Error as exc:
        raise KeyUnavailable(f"the key file {path} is damaged") from exc
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(f"the key file {path} is damaged (wrong key length)")
    return key


@dataclass(frozen=True, slots=True)
class PassphraseParams:
    """scrypt parameters and salt, stored in the database beside the wrapped keys."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def new(cls) -> PassphraseParams:
        return cls(salt=secrets.token_bytes(16))


def check_passphrase_strength(passphrase: str) -> None:
    """Length-based policy (CNIL 80-bit case, NIST/OWASP): 15 characters or more."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise KeyUnavailable(
            f"the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters "
            "(a sentence of several words is easiest to remember)"
        )


def derive_kek(passphrase: str, params: PassphraseParams) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=params.salt, n=params.n, r=params.r, p=params.p,
        maxmem=256 * 1024 * 1024, dklen=KEY_BYTES,
    )


def write_runtime_kek(runtime_dir: Path, kek: bytes) -> Path:
    """Leave the unlocked KEK in the runtime directory (tmpfs), readable by the service user only."""
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = runtime_dir / RUNTIME_KEK_NAME
    tmp = runtime_dir / (RUNTIME_KEK_NAME + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(kek)
    tmp.replace(path)
    return path


def read_runtime_kek(runtime_dir: Path) -> bytes:
    path = runtime_dir / RUNTIME_KEK_NAME
    try:
        kek = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyUnavailable(
            "the appliance is locked: an administrator must run `relais keys unlock`"
        ) from exc
    if len(kek) != KEY_BYTES:
        raise KeyUnavailable(f"{path} is damaged: run `relais keys unlock` again")
    return kek


def format_recovery_code(key: bytes) -> str:
    """Printable recovery code: base32 in groups of four letters, with a 2-letter check."""
    check = hashlib.sha256(key).digest()[:1]
    text = base64.b32encode(key + check).decode().rstrip("=")
    return "-".join(text[i:i + _RECOVERY_GROUP] for i in range(0, len(text), _RECOVERY_GROUP))


def parse_recovery_code(code: str) -> bytes:
    """Read a typed recovery code back, tolerating spaces, dashes and lower case."""
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    padded = text + "=" * (-len(text) % 8)
    try:
        raw = base64.b32decode(padded)
    except binascii.Error as exc:
        raise KeyUnavailable("the recovery code has characters that are not in a recovery kit") from exc
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if len(key) != KEY_BYTES or hashlib.sha256(key).digest()[:1] != check:
        raise KeyUnavailable("the recovery code is mistyped (its check letters do not match)")
    return key


def key_fingerprint(key: bytes) -> str:
    """Short public fingerprint of a key, to match a printed kit with its appliance."""
    digest = hashlib.sha256(b"relais-fingerprint\x00" + key).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))
