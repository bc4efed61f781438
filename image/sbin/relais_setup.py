"""The technician's set-up file for first boot: validation, and the files first boot derives from it
(the Relais settings file, the firewall settings, the set-up sheet, the generated secrets).

Called by relais-firstboot with the image's tools venv; imports nothing from the Relais packages.
Secrets (the first administrator's password, the unlock passphrase) are never in the set-up file:
they are generated on the box and leave it only on the set-up sheet written to the set-up stick.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import secrets
import sys
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

FINESS_RE = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$")
LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
WEB_PORT = 8080
DEFAULT_KEY_FILE = "/media/relais-key/relais.key"
DEFAULT_MLLP_PORT = 2575
# No 0/O or 1/I: the secrets are read aloud or typed from paper.
SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a secret


class KeyProvider(Enum):
    """Where the key-encryption key comes from (DESIGN §4)."""

    FILE = "file"
    PASSPHRASE = "passphrase"  # noqa: S105 - a provider name


class SetupError(ValueError):
    """The set-up file is wrong; the message says which field and how to fix it."""


@dataclass(frozen=True, slots=True)
class Setup:
    """The technician's choices for one home."""

    home_name: str
    finess: str
    key_provider: KeyProvider
    key_file: str
    admin_login: str
    admin_display_name: str
    monitors: tuple[str, ...]
    mllp_port: int


def parse_setup(text: str) -> Setup:
    """Validate the set-up file's text and return the choices.

    :raises SetupError: naming the first wrong field.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"relais-setup.toml is not valid TOML: {exc}") from exc
    home_name = _text(data, "home_name")
    finess = _text(data, "finess").upper()
    if not FINESS_RE.match(finess):
        raise SetupError("finess must be the 9-character FINESS number of the home")
    try:
        provider = KeyProvider(data.get("key_provider", "file"))
    except ValueError as exc:
        raise SetupError('key_provider must be "file" or "passphrase"') from exc
    key_file = str(data.get("key_file", DEFAULT_KEY_FILE))
    if provider is KeyProvider.FILE and not key_file.startswith("/media/"):
        raise SetupError("key_file must be on a USB stick, under /media/")
    login = _text(data, "admin_login")
    if not LOGIN_RE.match(login):
        raise SetupError("admin_login must be 2-32 lower-case letters, digits, '.', '_' or '-'")
    monitors = data.get("monitors", [])
    if not isinstance(monitors, list):
        raise SetupError("monitors must be a list of IP addresses")
    try:
        parsed = tuple(str(ipaddress.ip_address(m)) for m in monitors)
    except ValueError as exc:
        raise SetupError(f"monitors: {exc}") from exc
    port = data.get("mllp_port", DEFAULT_MLLP_PORT)
    if not isinstance(port, int) or not 1024 <= port <= 65535:
        raise SetupError("mllp_port must be a TCP port between 1024 and 65535")
    return Setup(
        home_name=home_name,
        finess=finess,
        key_provider=provider,
        key_file=key_file,
        admin_login=login,
        admin_display_name=_text(data, "admin_display_name"),
        monitors=parsed,
        mllp_port=port,
    )


def render_config(setup: Setup, root: str) -> str:
    """Return the Relais settings file (TOML) for this home; ``root`` prefixes the paths."""
    lines = [
        "# Relais settings, written by relais-firstboot from the technician's set-up file.",
        f"data_dir = {_toml_str(root + '/var/lib/relais')}",
        f"runtime_dir = {_toml_str(root + '/run/relais')}",
        f"key_provider = {_toml_str(setup.key_provider.value)}",
    ]
    if setup.key_provider is KeyProvider.FILE:
        lines.append(f"key_file = {_toml_str(root + setup.key_file)}")
    lines += [
        'web_host = "127.0.0.1"',
        f"web_port = {WEB_PORT}",
        f"home_name = {_toml_str(setup.home_name)}",
        f"finess = {_toml_str(setup.finess)}",
    ]
    return "\n".join(lines) + "\n"


def render_firewall(setup: Setup, current: str) -> str:
    """Return the firewall settings with the monitors and the MLLP port of this home."""
    values = {"MONITORS": " ".join(setup.monitors), "MLLP_PORT": str(setup.mllp_port)}
    out = []
    for line in current.splitlines():
        key = line.split("=", 1)[0]
        out.append(f'{key}="{values.pop(key)}"' if key in values else line)
    out += [f'{key}="{value}"' for key, value in values.items()]
    return "\n".join(out) + "\n"


def new_secret(groups: int, token: secrets.SystemRandom) -> str:
    """Return ``groups`` groups of 4 characters (20 bits each), e.g. ``K7QM-2XDA-...``."""
    return "-".join("".join(token.choice(SECRET_ALPHABET) for _ in range(4)) for _ in range(groups))


def render_sheet(setup: Setup, secrets_: dict[str, str], ca_fingerprint: str, host: str) -> str:
    """Return the set-up sheet the technician prints and hands to the home's administrator."""
    lines = [
        "RELAIS - FICHE D'INSTALLATION (confidentielle : à ranger au coffre)",
        "",
        f"Établissement : {setup.home_name} (FINESS {setup.finess})",
        f"Adresse des tablettes : https://{host}/  (certificat : http://{host}/)",
        f"Empreinte SHA-256 du certificat de l'établissement : {ca_fingerprint}",
        "",
        f"Premier administrateur : {setup.admin_login}",
        f"Mot de passe initial (à changer à la première connexion) : {secrets_['admin_password']}",
    ]
    if setup.key_provider is KeyProvider.PASSPHRASE:
        lines += [
            "",
            "Phrase de déverrouillage, à saisir par un administrateur après chaque démarrage :",
            f"  {secrets_['passphrase']}",
        ]
    else:
        lines += ["", f"La clé de chiffrement est sur la clé USB RELAIS-KEY ({setup.key_file})."]
    lines += ["", "Le kit de récupération est le fichier relais-recovery-kit.html de cette clé."]
    return "\n".join(lines) + "\n"


def _text(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise SetupError(f"{key} must be a non-empty text of at most 100 characters")
    if any(ord(c) < 32 for c in value):
        raise SetupError(f"{key} must not contain control characters")
    return value.strip()


def _toml_str(value: str) -> str:
    # A JSON string without control characters is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relais-setup", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "config", "firewall", "secrets", "sheet"])
    parser.add_argument("setup", type=Path, help="the technician's relais-setup.toml")
    parser.add_argument("--root", default="", help="path prefix (tests)")
    parser.add_argument("--current", type=Path, help="firewall.conf to update")
    parser.add_argument("--secrets", type=Path, help="secrets file (JSON) for the sheet")
    parser.add_argument("--fingerprint", default="", help="the CA's SHA-256 fingerprint")
    parser.add_argument("--host", default="relais.local", help="the box's name")
    args = parser.parse_args(argv)
    try:
        setup = parse_setup(args.setup.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SetupError) as exc:
        print(f"relais-setup: {exc}", file=sys.stderr)
        return 1
    if args.command == "check":
        print(f"key_provider={setup.key_provider.value}")
        print(f"key_file={setup.key_file}")
        print(f"admin_login={setup.admin_login}")
        print(f"admin_display_name={setup.admin_display_name}")
        print(f"home_name={setup.home_name}")
        print(f"finess={setup.finess}")
    elif args.command == "config":
        sys.stdout.write(render_config(setup, args.root))
    elif args.command == "firewall":
        sys.stdout.write(render_firewall(setup, args.current.read_text(encoding="utf-8")))
    elif args.command == "secrets":
        rng = secrets.SystemRandom()
        values = {"admin_password": new_secret(4, rng)}
        if setup.key_provider is KeyProvider.PASSPHRASE:
            values["passphrase"] = new_secret(6, rng)
        print(json.dumps(values))
    else:
        values = json.loads(args.secrets.read_text(encoding="utf-8"))
        sys.stdout.write(render_sheet(setup, values, args.fingerprint, args.host))
    return 0


if __name__ == "__main__":
    sys.exit(main())
