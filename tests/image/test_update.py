"""Application updates (image/sbin/relais-update): signed bundles only, never the same or an older
version, installed into the idle venv and switched atomically, switched back with the pre-update
data when the new version does not come up, and rolled back on request.

The bundles carry a small wheel built here (distribution `relais`, console script `relais`) that
answers the commands the update path uses; the venvs, pip, openssl and the switch are real."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from image_support import IMAGE, require

pytestmark = pytest.mark.integration

UPDATE = IMAGE / "sbin" / "relais-update"

APP = '''"""Update-test application: answers --help, status, backup and restore."""
import json, os, pathlib, sys, tomllib

BROKEN = {broken}


def main():
    args = sys.argv[1:]
    conf = tomllib.loads(pathlib.Path(os.environ["RELAIS_CONFIG"]).read_text())
    data = pathlib.Path(conf["data_dir"])
    if args[:1] == ["--help"]:
        print("Usage: relais")
    elif args[:2] == ["status", "--json"]:
        print(json.dumps({{"initialised": True, "version": "{version}"}}))
        return 1 if BROKEN else 0
    elif args[:2] == ["backup", "--to"]:
        files = {{p.name: p.read_text() for p in data.iterdir() if p.is_file()}}
        pathlib.Path(args[2]).write_text(json.dumps(files))
    elif args[:2] == ["restore", "--from"]:
        for name, text in json.loads(pathlib.Path(args[2]).read_text()).items():
            (data / name).write_text(text)
    else:
        return 2
    return 0
'''


def wheel(directory: Path, version: str, *, broken: bool = False) -> Path:
    """Build a wheel for distribution `relais` at ``version`` (by hand: a wheel is a zip)."""
    dist = f"relais-{version}.dist-info"
    files = {
        "relais_update_test.py": APP.format(version=version, broken=broken),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: relais\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}/entry_points.txt": "[console_scripts]\nrelais = relais_update_test:main\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    path = directory / f"relais-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def bundle(directory: Path, version: str, key: Ed25519PrivateKey | None, *, broken: bool = False) -> Path:
    """A signed update bundle: VERSION and wheels/ in a tar, with a detached Ed25519 signature."""
    directory.mkdir(parents=True, exist_ok=True)
    built = wheel(directory, version, broken=broken)
    path = directory / f"relais-update-{version}.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("VERSION")
        payload = f"{version}\n".encode()
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
        tar.add(built, arcname=f"wheels/{built.name}")
    if key is not None:
        (directory / f"{path.name}.sig").write_bytes(key.sign(path.read_bytes()))
    return path


@pytest.fixture
def box(tmp_path: Path) -> dict[str, object]:
    """A root with venv-a marked 0.1.0 as /opt/relais/current (no interpreter: the refusals
    happen before anything runs), a data file, and the signing key."""
    require("openssl")
    root = tmp_path / "root"
    key = Ed25519PrivateKey.generate()
    (root / "etc/relais").mkdir(parents=True)
    (root / "etc/relais/update-signing.pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (root / "etc/relais/relais.toml").write_text(f'data_dir = "{root}/var/lib/relais"\n')
    (root / "var/lib/relais").mkdir(parents=True)
    (root / "var/lib/relais/record").write_text("before the update\n")
    venv = root / "opt/relais/venv-a"
    venv.mkdir(parents=True)
    (venv / "VERSION").write_text("0.1.0\n")
    (root / "opt/relais/current").symlink_to("venv-a")
    env = {
        **os.environ,
        "RELAIS_ROOT": str(root),
        "RELAIS_SYSTEMCTL": "",
        "RELAIS_UPDATE_PYTHON": sys.executable,
        "RELAIS_UPDATE_WAIT": "3",
    }
    env.pop("RELAIS_CONFIG", None)
    return {"root": root, "key": key, "env": env, "bundles": tmp_path / "bundles"}


@pytest.fixture
def app_box(box: dict[str, object], tmp_path: Path) -> dict[str, object]:
    """``box`` with a real venv-a holding the 0.1.0 test application."""
    venv = Path(box["root"]) / "opt/relais/venv-a"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    first = wheel(tmp_path, "0.1.0")
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "-q", "--no-index", first], check=True)
    return box


def update(box: dict[str, object], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UPDATE, *args], env=box["env"], capture_output=True, text=True, check=False)


def current(box: dict[str, object]) -> str:
    return os.readlink(Path(box["root"]) / "opt/relais/current")


def test_a_signed_newer_bundle_is_installed_into_the_idle_venv_and_switched(app_box) -> None:
    box = app_box
    done = update(box, "install", str(bundle(box["bundles"], "0.2.0", box["key"])))
    assert done.returncode == 0, done.stderr
    assert current(box) == "venv-b"
    assert update(box, "status").stdout.strip() == "current=venv-b version=0.2.0"
    assert (Path(box["root"]) / "var/lib/relais-update/pre-update.backup").exists()
    rolled = update(box, "rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert current(box) == "venv-a"
    assert update(box, "rollback").returncode == 0
    assert current(box) == "venv-b"


def test_a_version_that_does_not_come_up_is_switched_back_with_its_data(app_box) -> None:
    box = app_box
    data = Path(box["root"]) / "var/lib/relais/record"
    done = update(box, "install", str(bundle(box["bundles"], "0.3.0", box["key"], broken=True)))
    assert done.returncode == 1
    assert "switching back" in done.stderr
    assert current(box) == "venv-a"
    assert data.read_text() == "before the update\n"


@pytest.mark.parametrize("version", ["0.1.0", "0.0.9"])
def test_the_same_or_an_older_version_is_refused(box, version: str) -> None:
    done = update(box, "install", str(bundle(box["bundles"], version, box["key"])))
    assert done.returncode == 1
    assert "not newer" in done.stderr
    assert current(box) == "venv-a"
    assert not (Path(box["root"]) / "opt/relais/venv-b").exists()


def test_an_unsigned_bundle_is_refused(box) -> None:
    done = update(box, "install", str(bundle(box["bundles"], "0.2.0", None)))
    assert done.returncode == 1
    assert "signature" in done.stderr
    assert current(box) == "venv-a"


def test_a_bundle_signed_by_another_key_is_refused(box) -> None:
    done = update(box, "install", str(bundle(box["bundles"], "0.2.0", Ed25519PrivateKey.generate())))
    assert done.returncode == 1
    assert "not valid" in done.stderr


def test_a_bundle_altered_after_signing_is_refused(box) -> None:
    path = bundle(box["bundles"], "0.2.0", box["key"])
    with path.open("ab") as handle:
        handle.write(b"\0" * 512)
    done = update(box, "install", str(path))
    assert done.returncode == 1
    assert "not valid" in done.stderr


def test_without_a_signing_key_every_update_is_refused(box) -> None:
    (Path(box["root"]) / "etc/relais/update-signing.pub.pem").unlink()
    done = update(box, "install", str(bundle(box["bundles"], "0.2.0", box["key"])))
    assert done.returncode == 1
    assert "updates are refused" in done.stderr


def test_status_json_of_the_test_application_is_what_the_health_check_reads(app_box) -> None:
    box = app_box
    # Guards the fixture itself: the health check relies on `relais status --json`.
    env = {**box["env"], "RELAIS_CONFIG": str(Path(box["root"]) / "etc/relais/relais.toml")}
    out = subprocess.run(
        [Path(box["root"]) / "opt/relais/current/bin/relais", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["version"] == "0.1.0"
