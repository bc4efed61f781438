"""The sandbox's fault switch: which failure the stand-in services inject, changeable at run time.

The switch lives in a small JSON file in the sandbox directory (``faults.json``), re-read on every
request, so a test, the demo or an operator changes it while the servers run — by writing the file
(`FaultSwitch.set`), or through the control endpoint (`serve_control`: ``GET /fault`` shows it,
``PUT /fault`` with the same JSON replaces it). The file holds either one fault::

    {"kind": "http_5xx"}
    {"kind": "error_mdn", "code": "902"}
    {"kind": "slow", "delay_seconds": 2.5}

or a random mix with a seed, for the fault test::

    {"mix": {"none": 0.7, "offline": 0.1, "timeout": 0.05, "reset_mid_upload": 0.15}, "seed": 7}

Each service applies the kinds that make sense for it and treats the others as ``none``.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)
SWITCH_FILE = "faults.json"
DEFAULT_DELAY_SECONDS = 2.0
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_ERROR_CODE = "906"


class FaultKind(StrEnum):
    """Failures the sandbox can inject."""

    NONE = "none"
    OFFLINE = "offline"                    # connection accepted then dropped before any answer
    HTTP_5XX = "http_5xx"                  # DMP: 503 Service Unavailable; SMTP: 421 then close
    TIMEOUT = "timeout"                    # no answer until the client gives up
    RESET_MID_UPLOAD = "reset_mid_upload"  # TCP reset while the request body is coming in
    SLOW = "slow"                          # the right answer, late (delay_seconds)
    REJECT_CERTIFICATE = "reject_certificate"  # the TLS handshake refuses the client certificate
    REFUSE_DOCUMENT = "refuse_document"    # DMP: a RegistryResponse Failure with `code`
    ERROR_MDN = "error_mdn"                # MSSanté: accepted, then an error MDN with `code`


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault to apply to one request."""

    kind: FaultKind = FaultKind.NONE
    code: str = DEFAULT_ERROR_CODE
    delay_seconds: float = DEFAULT_DELAY_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


NO_FAULT = Fault()


@dataclass(frozen=True, slots=True)
class FaultSetting:
    """What the switch file says: one fault, or a weighted mix drawn with a seeded generator."""

    fault: Fault = NO_FAULT
    mix: dict[FaultKind, float] = field(default_factory=dict)
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.fault.kind.value, "code": self.fault.code,
                                "delay_seconds": self.fault.delay_seconds,
                                "timeout_seconds": self.fault.timeout_seconds}
        if self.mix:
            data["mix"] = {kind.value: weight for kind, weight in self.mix.items()}
            data["seed"] = self.seed
        return data


def parse_setting(data: dict[str, Any]) -> FaultSetting:
    """Read a switch document; unknown kinds raise ValueError naming them."""
    fault = Fault(FaultKind(data.get("kind", "none")), str(data.get("code", DEFAULT_ERROR_CODE)),
                  float(data.get("delay_seconds", DEFAULT_DELAY_SECONDS)),
                  float(data.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)))
    mix = {FaultKind(kind): float(weight) for kind, weight in (data.get("mix") or {}).items()}
    if any(weight < 0 for weight in mix.values()) or (mix and sum(mix.values()) <= 0):
        raise ValueError("mix weights must be non-negative and not all zero")
    seed = data.get("seed")
    return FaultSetting(fault, mix, int(seed) if seed is not None else None)


class FaultSwitch:
    """The fault switch of one sandbox directory, shared by every server of the sandbox."""

    def __init__(self, sandbox_dir: Path) -> None:
        self.path = sandbox_dir / SWITCH_FILE
        self._lock = threading.Lock()
        self._rng: random.Random | None = None
        self._rng_key: tuple[int | None, tuple[tuple[str, float], ...]] | None = None

    def setting(self) -> FaultSetting:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return FaultSetting()
        try:
            return parse_setting(json.loads(text))
        except (ValueError, TypeError) as exc:
            _LOGGER.warning("fault switch file %s is unreadable (%s): no fault applied", self.path, exc)
            return FaultSetting()

    def set(self, setting: FaultSetting | FaultKind, *, code: str = DEFAULT_ERROR_CODE,
            delay_seconds: float = DEFAULT_DELAY_SECONDS) -> None:
        """Replace the switch atomically (a kind alone means that one fault for every request)."""
        if isinstance(setting, FaultKind):
            setting = FaultSetting(Fault(setting, code, delay_seconds))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(setting.to_json()), encoding="utf-8")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.set(FaultKind.NONE)

    def draw(self, applicable: frozenset[FaultKind] | None = None) -> Fault:
        """The fault for the request being served now (kinds not in ``applicable`` become none)."""
        setting = self.setting()
        fault = setting.fault
        if setting.mix:
            key = (setting.seed, tuple(sorted((k.value, w) for k, w in setting.mix.items())))
            with self._lock:
                if self._rng is None or self._rng_key != key:
                    self._rng, self._rng_key = random.Random(setting.seed), key
                kinds = list(setting.mix)
                kind = self._rng.choices(kinds, weights=[setting.mix[k] for k in kinds])[0]
            fault = Fault(kind, fault.code, fault.delay_seconds, fault.timeout_seconds)
        if applicable is not None and fault.kind not in applicable:
            return NO_FAULT
        return fault


class _ControlHandler(BaseHTTPRequestHandler):
    switch: FaultSwitch

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._answer(200, self.switch.setting().to_json())

    def do_PUT(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            setting = parse_setting(json.loads(self.rfile.read(length) or b"{}"))
        except (ValueError, TypeError) as exc:
            self._answer(400, {"error": str(exc)})
            return
        self.switch.set(setting)
        self._answer(200, setting.to_json())

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if _LOGGER.isEnabledFor(logging.DEBUG):  # the stdlib hands a format and its arguments
            _LOGGER.debug("fault control: %s", format % args)


def serve_control(switch: FaultSwitch, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start the control endpoint in a daemon thread; the caller reads ``server_port`` and shuts
    it down with ``shutdown()``."""
    handler = type("FaultControlHandler", (_ControlHandler,), {"switch": switch})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fault-control", daemon=True).start()
    return server
