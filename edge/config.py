"""Relais settings: each one declared once, loaded from defaults, a TOML file, the environment and flags.

Sources apply in this order, later ones winning: the declared default, the TOML file (``--config``,
``RELAIS_CONFIG``, or ``/etc/relais/relais.toml`` when it exists), ``RELAIS_<NAME>`` environment
variables, then command-line flags. Loading validates every value and raises `SettingInvalid` naming
the setting and how to fix it, so a process fails at start rather than at 3 a.m.

Nothing here reads the environment at import time: `load_settings` takes the environment as an argument.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.errors import SettingInvalid

ENV_PREFIX = "RELAIS_"
SYSTEM_CONFIG_FILE = Path("/etc/relais/relais.toml")
KEY_PROVIDERS = ("file", "passphrase")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_FINESS = re.compile(r"^(\d{9}|2[AB]\d{7})$")


@dataclass(frozen=True, slots=True)
class Setting:
    """One declared setting: its name, type, default and the help shown in `--help` and the README."""

    name: str
    type: type
    default: Any
    help: str
    check: Callable[[Any], str | None] | None = None
    fix: str = ""

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"'{value}' is not one of {', '.join(choices)}"

    return check


def _port(value: Any) -> str | None:
    return None if 1 <= value <= 65535 else f"{value} is not a TCP port (1-65535)"


def _finess(value: Any) -> str | None:
    if value == "" or _FINESS.match(value):
        return None
    return f"'{value}' is not a FINESS number (9 characters: digits, or 2A/2B then 7 digits)"


def _positive(value: Any) -> str | None:
    return None if value > 0 else f"{value} must be greater than zero"


def _port_or_zero(value: Any) -> str | None:
    return None if value == 0 else _port(value)


def _one_of_int(choices: tuple[int, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"{value} is not one of {', '.join(map(str, choices))}"

    return check


def serial_devices(text: str) -> list[tuple[str, str]]:
    """Split the `devices_serial` setting into (protocol, port) pairs.

    :raises ValueError: an entry is not ``protocol=port``.
    """
    pairs = []
    for entry in text.split(","):
        if not entry.strip():
            continue
        protocol, sep, port = entry.partition("=")
        if not sep or not protocol.strip() or not port.strip():
            raise ValueError(f"'{entry.strip()}' is not protocol=port")
        pairs.append((protocol.strip(), port.strip()))
    return pairs


def _bluetooth_adapter(value: Any) -> str | None:
    if value == "" or (value.startswith("hci") and value[3:].isdigit()):
        return None
    return f"'{value}' is not an adapter name like hci0"


def _serial_list(value: Any) -> str | None:
    try:
        serial_devices(value)
    except ValueError as exc:
        return str(exc)
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", Path, Path("relais-data"),
            "Directory holding the encrypted record (database, backups). "
            "`./relais-data` in development; `/var/lib/relais` on the appliance."),
    Setting("key_provider", str, "file",
            "Where the key-encryption key comes from: `file` (a key file) or `passphrase` "
            "(an administrator unlocks the appliance with `relais keys unlock` after boot).",
            _one_of(KEY_PROVIDERS), "Set it to 'file' or 'passphrase'."),
    Setting("key_file", Path, None,
            "Key file holding the key-encryption key (provider `file`): on a USB stick or in a "
            "systemd credentials directory. A key file inside the data directory is accepted for "
            "the demo only and flagged as insecure everywhere."),
    Setting("runtime_dir", Path, Path("/run/relais"),
            "Directory in RAM (tmpfs) where `relais keys unlock` leaves the unlocked key for the "
            "other processes (provider `passphrase`)."),
    Setting("web_host", str, "127.0.0.1",
            "Address the tablet application listens on (nginx terminates TLS in front of it)."),
    Setting("web_port", int, 8080, "TCP port of the tablet application.", _port,
            "Choose a free port between 1 and 65535."),
    Setting("home_name", str, "", "Name of the care home, shown on every page and in documents."),
    Setting("finess", str, "", "FINESS number of the care home (9 characters).", _finess,
            "Copy the FINESS géographique from the home's FINESS record."),
    Setting("key_rotation_seals", int, 2**28,
            "Number of values sealed under one data key after which `relais status` asks for "
            "`relais keys rotate` (well below the 2^32 limit of random-nonce AES-GCM).",
            _positive, "Use a positive number no larger than 4294967296."),
    Setting("log_level", str, "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.",
            _one_of(LOG_LEVELS), "Use DEBUG, INFO, WARNING or ERROR."),
    # -- tablet application --
    Setting("web_threads", int, 8, "Worker threads of the tablet application's web server.",
            _positive, "Use a positive number (8 suits a care home's tablets)."),
    Setting("web_lock_minutes", int, 10,
            "Minutes without activity after which a tablet session locks and asks for the PIN.",
            lambda v: None if 2 <= v <= 15 else f"{v} is not between 2 and 15 minutes",
            "Choose 2 to 15 minutes (walk-away lock; SECURITY tests expect at most 15)."),
    Setting("web_shift_hours", int, 12,
            "Hours a tablet session lasts at most (one shift); then password and second factor "
            "again.", lambda v: None if 1 <= v <= 12 else f"{v} is not between 1 and 12 hours",
            "Choose 1 to 12 hours."),
    Setting("web_login_lock_minutes", int, 60,
            "Minutes an account stays locked after 10 failed sign-ins in a row (an administrator "
            "can lift it sooner by resetting the account).", _positive,
            "Use a positive number of minutes (60 keeps guesses to about ten an hour)."),
    Setting("web_secure_cookies", int, 1,
            "1: session cookies are `__Host-`, Secure (behind the appliance's TLS, or on "
            "127.0.0.1). 0 only for plain-HTTP development on a LAN address.",
            lambda v: None if v in (0, 1) else f"{v} is not 0 or 1", "Use 1 (or 0 in development)."),
    Setting("web_trusted_proxies", int, 0,
            "Number of reverse proxies in front of the tablet application whose X-Forwarded-* "
            "headers are trusted (1 on the appliance, behind nginx).",
            lambda v: None if 0 <= v <= 3 else f"{v} is not between 0 and 3", "Use 0 or 1."),
    # -- devices --
    Setting("devices_serial", str, "",
            "Serial devices the devices process reads, as `protocol=port` pairs separated by commas "
            "(e.g. `nonin8=/dev/ttyUSB0,seca=/dev/ttyS1`; a port is anything pyserial's "
            "`serial_for_url` opens). Protocols: nonin2, nonin7, nonin8, nonin13, and-st-gs, seca, "
            "tanita.", _serial_list, "Write protocol=port pairs separated by commas."),
    Setting("devices_mllp_host", str, "127.0.0.1",
            "Address the HL7/MLLP listener for bedside monitors binds to."),
    Setting("devices_mllp_port", int, 2575,
            "TCP port of the HL7/MLLP listener; 0 turns the listener off.", _port_or_zero,
            "Choose a free port between 1 and 65535, or 0 to turn the listener off."),
    Setting("devices_measurement_window_s", int, 300,
            "Seconds during which a reading from a shared device goes to the resident a carer "
            "opened for measurement on the tablet; outside it, readings wait in the unassigned inbox.",
            _positive, "Use a positive number of seconds (300 = 5 minutes)."),
    Setting("devices_ble", int, 0,
            "1 to look for and listen to paired Bluetooth Low Energy devices, 0 to leave BLE off.",
            _one_of_int((0, 1)), "Use 0 or 1."),
    Setting("devices_ble_adapter", str, "",
            "Bluetooth adapter the BLE transport uses (e.g. `hci0`); empty for BlueZ's default one.",
            _bluetooth_adapter, "Give an adapter name such as hci0, or leave it empty."),
    # -- delivery to the national services --
    Setting("sync_poll_seconds", int, 15,
            "Seconds between two passes of `python -m sync` over the outbox (documents due are "
            "sent at each pass).", _positive, "Use a positive number of seconds."),
    Setting("sync_probe_seconds", int, 120,
            "Seconds between two probes of each national service (the tablet banner shows the "
            "last result).", _positive, "Use a positive number of seconds."),
    Setting("dmp_url", str, "",
            "Address (https) of the DMP document repository service (ITI-41). Empty: documents "
            "for the DMP wait, and the Envois page says the DMP is not configured."),
    Setting("dmp_client_cert", Path, None,
            "PEM file of the home's client certificate for TLS with the DMP."),
    Setting("dmp_client_key", Path, None, "PEM file of the key of `dmp_client_cert`."),
    Setting("dmp_ca_bundle", Path, None,
            "PEM file of the certificate authorities that vouch for the DMP's server certificate "
            "(empty: the system's authorities)."),
    Setting("dmp_signing_cert", Path, None,
            "PEM file of the home's signing certificate (certificat de cachet) for the VIHF "
            "assertion (empty: the TLS client certificate)."),
    Setting("dmp_signing_key", Path, None,
            "PEM file of the key of `dmp_signing_cert` (empty: the TLS client key)."),
    Setting("dmp_homologation_id", str, "",
            "The DMP homologation number of this software (VIHF `LPS_ID_HOMOLOGATION_DMP`)."),
    Setting("dmp_timeout_seconds", int, 60,
            "Seconds the DMP has to answer one sending before it is tried again later.",
            _positive, "Use a positive number of seconds."),
    Setting("mssante_mailbox", str, "",
            "Address of the home's MSSanté application mailbox (BAL applicative): the sender of "
            "every message and the IMAP login where receipts arrive. Empty: documents for "
            "MSSanté wait, and the Envois page says MSSanté is not configured."),
    Setting("mssante_password_file", Path, None,
            "File holding the password of the MSSanté mailbox for IMAP (first line)."),
    Setting("mssante_smtp_host", str, "", "Host name of the MSSanté operator's SMTP server."),
    Setting("mssante_smtp_port", int, 587, "TCP port of SMTP submission (STARTTLS).", _port,
            "Choose the port your MSSanté operator gives (usually 587)."),
    Setting("mssante_imap_host", str, "",
            "Host name of the MSSanté operator's IMAP server (empty: the SMTP host)."),
    Setting("mssante_imap_port", int, 143, "TCP port of IMAP (STARTTLS).", _port,
            "Choose the port your MSSanté operator gives (usually 143)."),
    Setting("mssante_client_cert", Path, None,
            "PEM file of the home's certificate for TLS with the MSSanté servers (empty: "
            "`dmp_client_cert`)."),
    Setting("mssante_client_key", Path, None,
            "PEM file of the key of `mssante_client_cert` (empty: `dmp_client_key`)."),
    Setting("mssante_ca_bundle", Path, None,
            "PEM file of the certificate authorities that vouch for the MSSanté servers "
            "(empty: the system's authorities)."),
    Setting("mssante_timeout_seconds", int, 60,
            "Seconds the MSSanté servers have to answer before a sending is tried again later.",
            _positive, "Use a positive number of seconds."),
    Setting("home_address", str, "",
            "Postal address of the care home as documents show it: `street, postal code city` "
            "(e.g. `12 rue des Lilas, 75011 Paris`).",
            lambda v: None if v == "" or re.match(r"^.+,\s*\d{5}\s+.+$", v)
            else f"'{v}' is not 'street, postal code city'",
            "Write the street, a comma, then the 5-digit postal code and the city."),
    Setting("home_telephone", str, "",
            "Telephone number of the care home, written in documents (e.g. `01 43 00 00 00`)."),
    Setting("transfer_mssante_recipient", str, "",
            "MSSanté address the DLU and FLUDT of a transfer go to when staff give none "
            "(e.g. the emergency department's mailbox; empty: the DMP only)."),
)
SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated settings every process runs with."""

    data_dir: Path
    key_provider: str
    key_file: Path | None
    runtime_dir: Path
    web_host: str
    web_port: int
    home_name: str
    finess: str
    key_rotation_seals: int
    log_level: str
    # -- tablet application --
    web_threads: int
    web_lock_minutes: int
    web_shift_hours: int
    web_login_lock_minutes: int
    web_secure_cookies: int
    web_trusted_proxies: int
    # -- devices --
    devices_serial: str
    devices_mllp_host: str
    devices_mllp_port: int
    devices_measurement_window_s: int
    devices_ble: int
    devices_ble_adapter: str
    # -- delivery to the national services --
    sync_poll_seconds: int
    sync_probe_seconds: int
    dmp_url: str
    dmp_client_cert: Path | None
    dmp_client_key: Path | None
    dmp_ca_bundle: Path | None
    dmp_signing_cert: Path | None
    dmp_signing_key: Path | None
    dmp_homologation_id: str
    dmp_timeout_seconds: int
    mssante_mailbox: str
    mssante_password_file: Path | None
    mssante_smtp_host: str
    mssante_smtp_port: int
    mssante_imap_host: str
    mssante_imap_port: int
    mssante_client_cert: Path | None
    mssante_client_key: Path | None
    mssante_ca_bundle: Path | None
    mssante_timeout_seconds: int
    home_address: str
    home_telephone: str
    transfer_mssante_recipient: str

    @property
    def database_path(self) -> Path:
        return self.data_dir / "relais.db"

    @property
    def key_file_is_insecure(self) -> bool:
        """True when the key file sits beside the data it protects (the demo set-up)."""
        if self.key_file is None:
            return False
        data_dir = self.data_dir.resolve()
        return data_dir in self.key_file.resolve().parents

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(setting: Setting, raw: Any, source: str) -> Any:
    if raw is None:
        return None
    try:
        if setting.type is int:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if setting.type is Path:
            return Path(str(raw)).expanduser()
        if not isinstance(raw, str):
            raise ValueError(raw)
        return raw
    except ValueError as exc:
        raise SettingInvalid(setting.name, f"'{raw}' from {source} is not a {setting.type.__name__}",
                             f"Give a {setting.type.__name__} value.") from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SettingInvalid("config", f"the file {path} does not exist",
                             "Give the path of an existing TOML file.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingInvalid("config", f"{path} is not valid TOML ({exc})",
                             "Correct the line it names.") from exc
    unknown = sorted(set(data) - set(SETTINGS_BY_NAME))
    if unknown:
        raise SettingInvalid(unknown[0], f"unknown setting in {path}",
                             f"Known settings: {', '.join(SETTINGS_BY_NAME)}.")
    return data


def load_settings(
    environ: Mapping[str, str],
    flags: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the settings from defaults, the TOML file, the environment and the flags, then validate.

    :param environ: the process environment (``os.environ``), read only for ``RELAIS_*`` names.
    :param flags: values given on the command line; ``None`` values are ignored.
    :param config_file: explicit TOML file; otherwise ``RELAIS_CONFIG`` or the system file if present.
    :raises SettingInvalid: naming the first setting that is wrong and how to fix it.
    """
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    path = config_file or (Path(environ["RELAIS_CONFIG"]) if environ.get("RELAIS_CONFIG") else None)
    if path is None and SYSTEM_CONFIG_FILE.is_file():
        path = SYSTEM_CONFIG_FILE
    if path is not None:
        for name, raw in _read_toml(path).items():
            values[name] = _coerce(SETTINGS_BY_NAME[name], raw, str(path))
    for setting in SETTINGS:
        if setting.env_var in environ:
            values[setting.name] = _coerce(setting, environ[setting.env_var], setting.env_var)
    for name, raw in (flags or {}).items():
        if raw is not None:
            values[name] = _coerce(SETTINGS_BY_NAME[name], raw, f"--{name.replace('_', '-')}")
    for setting in SETTINGS:
        value = values[setting.name]
        problem = setting.check(value) if (setting.check and value is not None) else None
        if problem:
            raise SettingInvalid(setting.name, problem, setting.fix)
    return Settings(**values)
