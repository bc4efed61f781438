"""Scheduled backups (image/sbin/relais-backup): a checked copy on the USB disk, a plain failure
when the disk is absent, a copy that does not restore is deleted, the newest copies are kept, and
the copy restores into a fresh data directory. Runs with the real `relais` when installed, else
with the contract stand-in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from image_support import IMAGE, STANDIN, real_relais

pytestmark = pytest.mark.integration

BACKUP = IMAGE / "sbin" / "relais-backup"


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
def home(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """An initialised data directory with a key file, and the environment that points at it."""
    (tmp_path / "usb").mkdir()
    config = tmp_path / "relais.toml"
    config.write_text(
        f'data_dir = "{tmp_path}/data"\nruntime_dir = "{tmp_path}/run"\n'
        f'key_provider = "file"\nkey_file = "{tmp_path}/usb/relais.key"\n'
    )
    env = {
        **os.environ,
        "RELAIS_CONFIG": str(config),
        "RELAIS_BIN": str(request.param),
        "RELAIS_BACKUP_DIR": str(tmp_path / "disk"),
        "TMPDIR": str(tmp_path),
        "RELAIS_STANDIN_LOG": str(tmp_path / "calls"),
    }
    subprocess.run(
        [
            request.param,
            "init",
            "--key-provider",
            "file",
            "--home-name",
            "EHPAD Test",
            "--finess",
            "750000001",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    (tmp_path / "disk").mkdir()
    return env


def backup(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BACKUP], env={**env, **extra}, capture_output=True, text=True, check=False)


def test_backup_writes_one_checked_copy_to_the_disk(home: dict[str, str]) -> None:
    done = backup(home, RELAIS_NOW="20261122T023000Z")
    assert done.returncode == 0, done.stderr
    disk = Path(home["RELAIS_BACKUP_DIR"])
    assert [p.name for p in disk.iterdir()] == ["relais-20261122T023000Z.backup"]
    assert "wrote and checked" in done.stdout


def test_the_copy_restores_into_a_fresh_data_directory(home: dict[str, str], tmp_path: Path) -> None:
    assert backup(home, RELAIS_NOW="20261122T023000Z").returncode == 0
    copy = Path(home["RELAIS_BACKUP_DIR"]) / "relais-20261122T023000Z.backup"
    env = {**home, "RELAIS_DATA_DIR": str(tmp_path / "restored")}
    relais = home["RELAIS_BIN"]
    subprocess.run([relais, "restore", "--from", str(copy)], env=env, check=True, capture_output=True)
    status = subprocess.run([relais, "status", "--json"], env=env, check=True, capture_output=True)
    assert json.loads(status.stdout)["initialised"] is True


def test_a_missing_backup_disk_fails_with_a_plain_message(home: dict[str, str], tmp_path: Path) -> None:
    done = backup(home, RELAIS_BACKUP_DIR=str(tmp_path / "not-plugged"))
    assert done.returncode == 1
    assert "not plugged in" in done.stderr


def test_a_copy_that_does_not_restore_is_deleted(home: dict[str, str]) -> None:
    if Path(home["RELAIS_BIN"]) != STANDIN:
        pytest.skip("the failure is injected through the stand-in")
    assert backup(home, RELAIS_NOW="20261121T023000Z").returncode == 0
    done = backup(home, RELAIS_NOW="20261122T023000Z", RELAIS_STANDIN_FAIL="restore --from")
    assert done.returncode == 1
    assert "does not restore" in done.stderr
    assert sorted(p.name for p in Path(home["RELAIS_BACKUP_DIR"]).iterdir()) == [
        "relais-20261121T023000Z.backup"
    ]


def test_only_the_newest_copies_are_kept(home: dict[str, str]) -> None:
    for day in ("19", "20", "21", "22"):
        done = backup(home, RELAIS_NOW=f"202611{day}T023000Z", RELAIS_BACKUP_KEEP="2")
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in Path(home["RELAIS_BACKUP_DIR"]).iterdir()) == [
        "relais-20261121T023000Z.backup",
        "relais-20261122T023000Z.backup",
    ]
