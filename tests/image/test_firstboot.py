"""First boot (image/sbin/relais-firstboot) in a throwaway root: it waits for the set-up stick,
refuses a wrong set-up file, initialises once, resumes after a crash, leaves secrets only on the
set-up stick, hands port 443 to the application, and a second run changes nothing.

The `relais` command is the real one when it is installed in the test venv; otherwise a stand-in
(relais_standin.sh) that implements only the documented contract, so that what the image owns is
still exercised."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from image_support import SETUP_FILE, STANDIN, real_relais, script_env

pytest.importorskip("segno", reason="segno (PyPI) draws the QR code on the CA page")

pytestmark = pytest.mark.integration


def relais_commands() -> list[pytest.param]:
    real = real_relais()
    return [
        pytest.param(STANDIN, id="contract-stand-in"),
        pytest.param(
            real,
            id="real-relais",
            marks=pytest.mark.skipif(real is None, reason="the relais command is not installed"),
        ),
    ]


@pytest.fixture(params=relais_commands())
def relais_bin(request: pytest.FixtureRequest) -> Path:
    return request.param


def put_setup_stick(root: Path, provider: str = "file") -> None:
    stick = root / "media/relais-setup"
    stick.mkdir(parents=True, exist_ok=True)
    (stick / "relais-setup.toml").write_text(SETUP_FILE.format(provider=provider))
    (root / "media/relais-key").mkdir(parents=True, exist_ok=True)


def firstboot(root: Path, relais_bin: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = script_env(root, RELAIS_BIN=str(relais_bin), RELAIS_STANDIN_LOG=str(root.parent / "calls"))
    env.update(extra)
    return subprocess.run(
        [root / "usr/local/sbin/relais-firstboot"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def tree_state(root: Path) -> dict[str, tuple[int, str]]:
    """Every path under ``root`` with its mode and content digest (or link target)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            if path.is_symlink():
                content = "-> " + os.readlink(path)
            elif path.is_file():
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = "dir"
            state[str(path.relative_to(root))] = (info.st_mode, content)
    return state


def calls(root: Path) -> list[str]:
    log = root.parent / "calls"
    return log.read_text().splitlines() if log.exists() else []


def test_without_the_set_up_stick_it_asks_to_be_retried(image_root: Path) -> None:
    done = firstboot(image_root, STANDIN)
    assert done.returncode == 75, done.stderr
    assert "set-up stick" in done.stderr
    assert os.readlink(image_root / "etc/nginx/sites-enabled/relais").endswith("relais-setup")
    assert not (image_root / "var/lib/relais/.firstboot-done").exists()


def test_a_wrong_set_up_file_is_refused_naming_the_field(image_root: Path) -> None:
    put_setup_stick(image_root)
    setup = image_root / "media/relais-setup/relais-setup.toml"
    setup.write_text(setup.read_text().replace('"750000001"', '"75-123"'))
    done = firstboot(image_root, STANDIN)
    assert done.returncode == 1
    assert "finess" in done.stderr
    assert calls(image_root) == []


def test_first_boot_run_twice_ends_in_the_same_state(image_root: Path, relais_bin: Path) -> None:
    put_setup_stick(image_root)
    first = firstboot(image_root, relais_bin)
    assert first.returncode == 0, first.stderr
    after_first = tree_state(image_root)
    second = firstboot(image_root, relais_bin)
    assert second.returncode == 0, second.stderr
    assert "already done" in second.stderr
    assert tree_state(image_root) == after_first
    assert os.readlink(image_root / "etc/nginx/sites-enabled/relais").endswith("relais-app")
    assert (image_root / "var/lib/relais/.firstboot-done").exists()


def test_first_boot_writes_settings_firewall_and_the_set_up_sheet(image_root: Path) -> None:
    put_setup_stick(image_root)
    assert firstboot(image_root, STANDIN).returncode == 0
    config = (image_root / "etc/relais/relais.toml").read_text()
    assert 'key_provider = "file"' in config
    assert f'key_file = "{image_root}/media/relais-key/relais.key"' in config
    assert 'home_name = "EHPAD Les Tilleuls"' in config and 'finess = "750000001"' in config
    assert "web_port = 8080" in config
    firewall = (image_root / "etc/relais/firewall.conf").read_text()
    assert 'MONITORS="192.168.1.50 fd00::50"' in firewall
    nft = (image_root / "var/lib/relais-firewall/rendered.nft").read_text()
    assert "add element inet relais monitors4 { 192.168.1.50 }" in nft
    sheet = (image_root / "media/relais-setup/relais-setup-sheet.txt").read_text()
    fingerprint = (image_root / "var/www/relais/ca/fingerprint.txt").read_text().strip()
    assert fingerprint in sheet and "cadre.sante" in sheet
    assert (image_root / "media/relais-setup/relais-recovery-kit.html").stat().st_mode & 0o077 == 0
    assert [c.split()[0:2] for c in calls(image_root)] == [
        ["status", "--json"],
        ["init", "--key-provider"],
        ["users", "list"],
        ["users", "add"],
        ["keys", "recovery-kit"],
    ]


def test_generated_secrets_stay_only_on_the_set_up_stick(image_root: Path) -> None:
    put_setup_stick(image_root, provider="passphrase")
    assert firstboot(image_root, STANDIN).returncode == 0
    sheet = (image_root / "media/relais-setup/relais-setup-sheet.txt").read_text()
    secrets = [line.rsplit(" ", 1)[-1] for line in sheet.splitlines() if "Mot de passe" in line]
    secrets += [line.strip() for line in sheet.splitlines() if line.startswith("  ")]
    assert len(secrets) == 2 and all(len(s) >= 19 for s in secrets)
    stick = image_root / "media/relais-setup"
    for path in image_root.rglob("*"):
        if path.is_file() and not path.is_relative_to(stick):
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret leaked into {path}"
    assert not (image_root / "var/lib/relais-firstboot").exists()
    assert ["keys", "unlock", "--passphrase-stdin"] in [c.split() for c in calls(image_root)]


def test_a_run_cut_short_resumes_without_initialising_twice(image_root: Path) -> None:
    put_setup_stick(image_root)
    crashed = firstboot(image_root, STANDIN, RELAIS_STANDIN_FAIL="users add")
    assert crashed.returncode != 0
    assert os.readlink(image_root / "etc/nginx/sites-enabled/relais").endswith("relais-setup")
    resumed = firstboot(image_root, STANDIN)
    assert resumed.returncode == 0, resumed.stderr
    inits = [c for c in calls(image_root) if c.startswith("init ")]
    assert len(inits) == 1
    # The password given to the stand-in before the crash is the one on the sheet: the
    # secrets were generated once and kept across the interrupted run.
    assert (image_root / "var/lib/relais/users").read_text() == "cadre.sante\n"


def test_an_already_initialised_data_dir_is_not_initialised_again(image_root: Path) -> None:
    put_setup_stick(image_root)
    data = image_root / "var/lib/relais"
    data.mkdir(parents=True, exist_ok=True)
    (data / "initialised").write_text("file\n")
    done = firstboot(image_root, STANDIN)
    assert done.returncode == 0, done.stderr
    assert "already initialised" in done.stderr
    assert not [c for c in calls(image_root) if c.startswith("init ")]
