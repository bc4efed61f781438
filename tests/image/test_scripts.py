"""Every shell script of the image (and the tests' stand-in) starts with `set -euo pipefail` and
passes shellcheck; the Python helpers import nothing from the Relais packages."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
from image_support import IMAGE, PROJECT, TESTS, require


def shell_scripts() -> list[Path]:
    found = []
    for path in sorted(IMAGE.rglob("*")) + [TESTS / "relais_standin.sh"]:
        if path.is_file() and path.read_bytes().startswith(b"#!/bin/bash"):
            found.append(path)
    return found


SCRIPTS = shell_scripts()


def test_the_image_has_its_scripts() -> None:
    names = {p.name for p in SCRIPTS}
    assert {
        "relais-firstboot",
        "relais-tls",
        "relais-firewall",
        "relais-backup",
        "relais-update",
        "rootfs.sh",
        "build.sh",
        "00-run.sh",
        "01-run-chroot.sh",
    } <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(PROJECT)))
def test_script_is_strict_and_shellcheck_clean(script: Path) -> None:
    shellcheck = require("shellcheck")
    assert "\nset -euo pipefail\n" in script.read_text()
    done = subprocess.run(
        [shellcheck, "--shell=bash", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_shellcheck_reports_a_real_mistake(tmp_path: Path) -> None:
    shellcheck = require("shellcheck")
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nset -euo pipefail\nrm -rf $1/*\n")
    assert subprocess.run([shellcheck, str(bad)], capture_output=True, check=False).returncode != 0


@pytest.mark.parametrize("script", sorted((IMAGE / "sbin").glob("*.py")), ids=lambda p: p.name)
def test_python_helper_imports_nothing_from_the_packages(script: Path) -> None:
    tree = ast.parse(script.read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert not modules & {"edge", "web", "sync", "devices"}


@pytest.mark.parametrize(
    "script",
    [p for p in SCRIPTS if p.parent.name.startswith(("0", "1")) or p.name.endswith(".sh")],
    ids=lambda p: p.name,
)
def test_stage_scripts_are_executable(script: Path) -> None:
    assert script.stat().st_mode & 0o111


def test_the_image_readme_describes_every_script_and_unit() -> None:
    readme = (IMAGE / "README.md").read_text()
    names = [p.name for p in (IMAGE / "sbin").iterdir()]
    names += [p.stem if p.suffix == ".timer" else p.name for p in (IMAGE / "systemd").iterdir()]
    names += ["rootfs.sh", "build.sh"]
    missing = sorted({n for n in names if n not in readme})
    assert missing == []
