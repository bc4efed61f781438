"""The appliance's systemd units: they verify, they are hardened as STYLE.md §12 requires, and the
long-running services stay at or under the exposure budget of `systemd-analyze security`."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from image_support import IMAGE, install_image_files, require

UNITS = sorted((IMAGE / "systemd").glob("relais-*.service")) + sorted(
    (IMAGE / "systemd").glob("relais-*.timer")
)
SERVICES = [u for u in UNITS if u.suffix == ".service"]
RUNNABLES = {"relais-web.service": "web", "relais-devices.service": "devices", "relais-sync.service": "sync"}
EXPOSURE_BUDGET = {"relais-web.service": 3.0, "relais-sync.service": 3.0}
REQUIRED = {
    "CapabilityBoundingSet": "",
    "NoNewPrivileges": "yes",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "ProtectSystem": "strict",
    "Restart": "on-failure",
    "SystemCallFilter": "@system-service",
    "User": "relais",
    "StateDirectory": "relais",
}


def service_directives(unit: Path) -> list[tuple[str, str]]:
    """Return the [Service] section's (key, value) pairs in file order."""
    pairs: list[tuple[str, str]] = []
    section = None
    for line in unit.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            section = stripped
        elif section == "[Service]":
            key, _, value = stripped.partition("=")
            pairs.append((key, value))
    return pairs


@pytest.fixture(scope="module")
def verify_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with systemd's own units, the image's files and a stand-in interpreter path,
    so that `systemd-analyze verify --root` can resolve every reference the units make."""
    require("systemd-analyze")
    root = install_image_files(tmp_path_factory.mktemp("verify") / "root")
    system_units = Path("/usr/lib/systemd/system")
    if not system_units.is_dir():
        pytest.skip("systemd's unit directory /usr/lib/systemd/system is absent")
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    interpreter = root / "opt/relais/venv-a/bin/python"
    interpreter.parent.mkdir(parents=True)
    shutil.copy2("/bin/true", interpreter)
    (root / "opt/relais/current").symlink_to("venv-a")
    return root


def test_the_image_ships_a_unit_per_runnable_plus_first_boot_backup_and_tls() -> None:
    names = {u.name for u in UNITS}
    assert {
        "relais-web.service",
        "relais-devices.service",
        "relais-sync.service",
        "relais-firstboot.service",
        "relais-backup.service",
        "relais-backup.timer",
        "relais-tls.service",
    } <= names


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_passes_systemd_analyze_verify(unit: Path, verify_root: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={verify_root}", unit.name],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_verify_catches_a_broken_unit(verify_root: Path) -> None:
    broken = verify_root / "etc/systemd/system/relais-broken.service"
    broken.write_text("[Service]\nExecStart=/opt/relais/missing/bin/python -m web\nType=exec\n")
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={verify_root}", broken.name],
        capture_output=True,
        text=True,
        check=False,
    )
    broken.unlink()
    assert done.returncode != 0


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_service_directives_are_sorted_alphabetically(unit: Path) -> None:
    keys = [key for key, _ in service_directives(unit)]
    assert keys == sorted(keys)


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_every_service_has_the_baseline_hardening(unit: Path) -> None:
    directives = service_directives(unit)
    keys = {key for key, _ in directives}
    for key in (
        "NoNewPrivileges",
        "PrivateTmp",
        "ProtectHome",
        "ProtectSystem",
        "SystemCallFilter",
        "RestrictAddressFamilies",
        "CapabilityBoundingSet",
    ):
        assert key in keys, f"{unit.name} lacks {key}="
    assert ("ProtectSystem", "strict") in directives
    assert ("SystemCallFilter", "@system-service") in directives


@pytest.mark.parametrize("name", sorted(RUNNABLES))
def test_runnable_unit_has_the_required_directives(name: str) -> None:
    directives = service_directives(IMAGE / "systemd" / name)
    for key, value in REQUIRED.items():
        assert (key, value) in directives, f"{name} must set {key}={value}"
    assert ("ExecStart", f"/opt/relais/current/bin/python -m {RUNNABLES[name]}") in directives


@pytest.mark.parametrize("name", sorted(RUNNABLES))
def test_no_watchdog_on_processes_that_do_not_notify(name: str) -> None:
    # The Python runnables do not call sd_notify yet: WatchdogSec= would get them killed.
    directives = dict(service_directives(IMAGE / "systemd" / name))
    assert "WatchdogSec" not in directives
    assert directives["Type"] == "exec"


def test_devices_unit_reaches_serial_nodes_and_bluez_only() -> None:
    directives = service_directives(IMAGE / "systemd" / "relais-devices.service")
    keys = {key for key, _ in directives}
    allowed = {value for key, value in directives if key == "DeviceAllow"}
    assert {"char-ttyUSB rw", "char-ttyACM rw"} <= allowed
    assert "PrivateDevices" not in keys
    assert ("DevicePolicy", "closed") in directives
    groups = dict(directives)["SupplementaryGroups"].split()
    assert "dialout" in groups
    families = dict(directives)["RestrictAddressFamilies"].split()
    assert "AF_UNIX" in families  # BlueZ over D-Bus
    assert "AF_PACKET" not in families and "AF_NETLINK" not in families


@pytest.mark.parametrize("name", ["relais-web.service", "relais-sync.service", "relais-backup.service"])
def test_services_without_devices_get_no_device_nodes(name: str) -> None:
    directives = service_directives(IMAGE / "systemd" / name)
    assert ("PrivateDevices", "yes") in directives


def test_web_may_only_talk_to_localhost() -> None:
    directives = service_directives(IMAGE / "systemd" / "relais-web.service")
    assert ("IPAddressAllow", "localhost") in directives
    assert ("IPAddressDeny", "any") in directives


def exposure(unit: Path) -> float:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout + done.stderr)
    if match is None:
        pytest.skip(f"this systemd-analyze has no offline security review: {done.stderr.strip()}")
    return float(match.group(1))


@pytest.mark.parametrize("name", sorted(EXPOSURE_BUDGET))
def test_long_running_service_exposure_is_within_budget(name: str) -> None:
    require("systemd-analyze")
    assert exposure(IMAGE / "systemd" / name) <= EXPOSURE_BUDGET[name]


def test_exposure_review_scores_an_unhardened_unit_as_unsafe(tmp_path: Path) -> None:
    require("systemd-analyze")
    bare = tmp_path / "bare.service"
    bare.write_text("[Service]\nExecStart=/bin/true\n")
    assert exposure(bare) > 9.0


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_every_service_exposure_is_under_four(unit: Path) -> None:
    # Figures for the report: web 1.1, sync 1.2, devices 1.5 with systemd 252.
    require("systemd-analyze")
    assert exposure(unit) < 4.0


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_parses_as_ini_with_a_description(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    assert parser.get("Unit", "Description")
