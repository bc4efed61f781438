"""Helpers for the image tests: the image's files installed into a throwaway root by the same
stage script the image build runs, the environment that points the image's scripts at that root,
and a skip with a reason when a system tool is absent."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

PROJECT = Path(__file__).resolve().parents[2]
IMAGE = PROJECT / "image"
TESTS = Path(__file__).resolve().parent
STANDIN = TESTS / "relais_standin.sh"
HOSTNAME = "relais-test"

SETUP_FILE = """\
home_name = "EHPAD Les Tilleuls"
finess = "750000001"
key_provider = "{provider}"
key_file = "/media/relais-key/relais.key"
admin_login = "cadre.sante"
admin_display_name = "Cadre de santé"
monitors = ["192.168.1.50", "fd00::50"]
mllp_port = 2575
"""


def require(tool: str) -> str:
    """Return the tool's path, or skip the test saying which Debian package provides it."""
    packages = {
        "nginx": "nginx-light",
        "nft": "nftables",
        "shellcheck": "shellcheck",
        "systemd-analyze": "systemd",
        "openssl": "openssl",
        "mmdebstrap": "mmdebstrap",
    }
    path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package {packages.get(tool, tool)})")
    return path


def real_relais() -> Path | None:
    """Return the installed `relais` command when it answers `--help`, else None."""
    candidate = Path(sys.executable).parent / "relais"
    if not candidate.exists():
        return None
    done = subprocess.run([candidate, "--help"], capture_output=True, check=False)
    return candidate if done.returncode == 0 else None


def install_image_files(root: Path) -> Path:
    """Install the image's files into ``root`` with stage 02-services' own script."""
    subprocess.run(
        [IMAGE / "stages" / "02-services" / "00-run.sh"],
        env={**os.environ, "ROOTFS_DIR": str(root)},
        check=True,
        capture_output=True,
    )
    # No name resolution in tests: the firewall lists only literal addresses.
    conf = root / "etc" / "relais" / "firewall.conf"
    conf.write_text(
        conf.read_text().replace(
            'UPDATE_HOSTS="deb.debian.org security.debian.org archive.raspberrypi.com"',
            'UPDATE_HOSTS="198.51.100.10"',
        )
    )
    return root


def script_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment that points the image's scripts at ``root`` instead of the box."""
    env = {
        **os.environ,
        "RELAIS_ROOT": str(root),
        "RELAIS_TOOLS_PYTHON": sys.executable,
        "RELAIS_SYSTEMCTL": "",
        "RELAIS_RUN_AS": "",
        "RELAIS_FIREWALL_LOAD": "0",
        "RELAIS_HOSTNAME": HOSTNAME,
        "RELAIS_ADDRESSES": "127.0.0.1 192.168.1.20",
    }
    env.update(extra)
    return env


def load_image_module(name: str) -> ModuleType:
    """Import one of the image's Python helpers (image/sbin/NAME.py) by path."""
    path = IMAGE / "sbin" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"image_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
