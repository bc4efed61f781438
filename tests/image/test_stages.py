"""The image build definition: pi-gen sub-stages in numbered order with their package lists and
scripts, the packages the appliance needs, no password and no SSH in the configuration."""

from __future__ import annotations

import re

from image_support import IMAGE

STAGES = IMAGE / "stages"


def packages() -> set[str]:
    found: set[str] = set()
    for listing in STAGES.glob("[0-9][0-9]-*/[0-9][0-9]-packages"):
        found |= set(listing.read_text().split())
    return found


def test_sub_stages_are_numbered_and_hold_only_pi_gen_files() -> None:
    allowed = re.compile(r"^(\d\d-(packages|packages-nr|debconf|run\.sh|run-chroot\.sh)|files)$")
    substages = sorted(p.name for p in STAGES.iterdir() if p.is_dir())
    assert substages == ["00-system", "01-relais", "02-services"]
    for name in substages:
        for entry in (STAGES / name).iterdir():
            assert allowed.match(entry.name), f"{name}/{entry.name} is not a pi-gen stage file"


def test_the_stage_is_exported_as_an_image() -> None:
    assert (STAGES / "EXPORT_IMAGE").exists()
    assert (STAGES / "prerun.sh").stat().st_mode & 0o111


def test_the_appliance_packages_are_installed() -> None:
    assert {"nginx-light", "nftables", "chrony", "python3-venv", "bluez"} <= packages()
    assert "openssh-server" not in packages()


def test_the_configuration_has_no_password_and_no_ssh() -> None:
    config = (IMAGE / "config").read_text()
    assert "FIRST_USER_PASS" not in config
    assert "PUBKEY_SSH" not in config
    assert re.search(r'^ENABLE_SSH="0"$', config, re.M)
    assert re.search(r'^RELEASE="bookworm"$', config, re.M)


def test_every_login_account_is_locked_at_build_time() -> None:
    chroot = (STAGES / "00-system" / "01-run-chroot.sh").read_text()
    assert "usermod --pass='*' root" in chroot
    assert "usermod --lock --expiredate 1" in chroot
    assert "systemctl disable ssh.service" in chroot


def test_the_hardware_watchdog_is_driven_by_systemd() -> None:
    conf = (STAGES / "00-system" / "files" / "watchdog.conf").read_text()
    assert re.search(r"^RuntimeWatchdogSec=\d+s$", conf, re.M)
    assert "dtparam=watchdog=on" in (STAGES / "00-system" / "00-run.sh").read_text()


def test_the_application_is_installed_in_a_switchable_venv_from_the_wheelhouse() -> None:
    chroot = (STAGES / "01-relais" / "01-run-chroot.sh").read_text()
    assert "python3 -m venv /opt/relais/venv-a" in chroot
    assert "--no-index --find-links" in chroot
    assert "ln -sfn venv-a /opt/relais/current" in chroot
    assert "adduser --system" in chroot


def test_every_unit_the_image_ships_is_enabled_or_timer_driven() -> None:
    enabled = (STAGES / "02-services" / "01-run-chroot.sh").read_text()
    for unit in (IMAGE / "systemd").glob("relais-*"):
        timer = unit.with_suffix(".timer")
        if unit.suffix == ".service" and timer.exists():
            assert timer.name in enabled, timer.name
        elif unit.suffix == ".service":
            assert unit.name in enabled, unit.name
