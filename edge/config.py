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
    # -- devices --
    # -- delivery to the national services --
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
    # -- devices --
    # -- delivery to the national services --

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
