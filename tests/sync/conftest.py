"""Fixtures of the sync tests: the real sandbox (`python -m sync.sandbox`) in a temporary directory."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge import Settings, load_settings
from sync.sandbox.__main__ import SANDBOX_HOMOLOGATION_ID
from sync.sandbox.ca import Pki
from sync.sandbox.faults import FaultSwitch
from sync.sandbox.imap import DEBIAN_PACKAGE, DOVECOT
from sync.sandbox.ledger import Ledger

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SANDBOX_START_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RunningSandbox:
    """A `python -m sync.sandbox` child process and what it printed."""

    directory: Path
    endpoints: dict[str, Any]
    env: dict[str, str]
    switch: FaultSwitch
    ledger: Ledger
    pki: Pki

    def settings(self, data_dir: Path, key_file: Path, **overrides: Any) -> Settings:
        """Relais settings pointing at this sandbox (as `python -m sync` would load them)."""
        return load_settings(self.env, {"data_dir": data_dir, "key_file": key_file, **overrides})


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.5):
                return process.stdout.readline()
            if process.poll() is not None:
                return b""
        return b""
    finally:
        selector.close()


@contextmanager
def start_sandbox(directory: Path, *arguments: str) -> Iterator[RunningSandbox]:
    """`python -m sync.sandbox DIRECTORY [ARGUMENTS]` until the block ends (then SIGTERM)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    directory.mkdir(parents=True, exist_ok=True)
    stderr_path = directory / "sandbox.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "sync.sandbox", str(directory), *arguments],
            stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=PROJECT_ROOT)
    try:
        line = _read_line(process, SANDBOX_START_SECONDS)
        if not line:
            process.kill()
            process.wait()
            pytest.fail("the sandbox did not start: "
                        + stderr_path.read_text(encoding="utf-8", errors="replace")[-3000:])
        state = json.loads(line)
        yield RunningSandbox(directory, state["endpoints"], state["settings"],
                             FaultSwitch(directory), Ledger(directory), Pki(directory / "pki"))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The whole sandbox (DMP, SMTP, dovecot IMAP, fault control) on 127.0.0.1."""
    if not DOVECOT.exists():
        pytest.fail(f"{DOVECOT} is absent: install the Debian package {DEBIAN_PACKAGE} "
                    "(tests/debian-packages.txt) to run the MSSanté sandbox")
    with start_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


# -- the DMP stand-in in this process, for the DMP adapter and delivery tests --------------------

XDS_SCHEMA = ("specs", "xds", "schema", "IHE", "XDS.b_DocumentRepository.xsd")
CDA_SCHEMA = ("specs", "cda", "infrastructure", "cda", "CDA_extended.xsd")


@dataclass(frozen=True, slots=True)
class DmpSandbox:
    """A `SandboxDmp` on 127.0.0.1 with its PKI, fault switch and registry."""

    server: Any
    pki: Pki
    switch: FaultSwitch
    directory: Path

    def adapter_settings(self, settings: Settings, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "finess": "750000001", "home_name": "EHPAD Les Tilleuls", "dmp_url": self.server.url,
            "dmp_client_cert": self.pki.client_cert, "dmp_client_key": self.pki.client_key,
            "dmp_ca_bundle": self.pki.ca_cert, "dmp_homologation_id": SANDBOX_HOMOLOGATION_ID,
            "dmp_timeout_seconds": 5}
        values.update(overrides)
        return settings.replace(**values)


@pytest.fixture(scope="session")
def sandbox_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from datetime import UTC, datetime

    from sync.sandbox.ca import ensure_pki

    return ensure_pki(tmp_path_factory.mktemp("pki"), finess="750000001",
                      home_name="EHPAD Les Tilleuls", now=datetime.now(UTC))


@pytest.fixture(scope="session")
def xds_schema() -> Any:
    """The XDS.b repository schema from the reference documents (skips when they are absent)."""
    from lxml import etree

    path = PROJECT_ROOT.parent.joinpath("shared", *XDS_SCHEMA)
    if not path.exists():
        pytest.skip("../shared/ is absent: the XDS.b schema the sandbox DMP checks requests "
                    "against is not beside this clone")
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="session")
def cda_schema() -> Any:
    """The HL7 CDA schema (CDA_extended.xsd) from the reference documents (skips when absent)."""
    from sync.sandbox.cda_checks import load_cda_schema

    path = PROJECT_ROOT.parent.joinpath("shared", *CDA_SCHEMA)
    if not path.exists():
        pytest.skip("../shared/ is absent: the CDA schema the sandbox DMP can validate documents "
                    "against is not beside this clone")
    return load_cda_schema(str(path))


@pytest.fixture
def dmp_sandbox(tmp_path: Path, sandbox_pki: Pki, xds_schema: Any, cda_schema: Any
                ) -> Iterator[DmpSandbox]:
    """A fresh sandbox DMP (empty registry, no fault) checking requests against the XDS.b schema
    and each CDA document against CDA_extended.xsd (its ``--cda-schema`` option)."""
    from sync.sandbox.dmp import SandboxDmp

    directory = tmp_path / "dmp-sandbox"
    switch = FaultSwitch(directory)
    server = SandboxDmp(directory, sandbox_pki, switch=switch, schema=xds_schema,
                        cda_schema=cda_schema).start()
    try:
        yield DmpSandbox(server, sandbox_pki, switch, directory)
    finally:
        server.stop()
