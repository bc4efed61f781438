"""A simulated bedside monitor: sends IHE PCD-01 ORU^R01 messages over MLLP and waits for the ACK.

Like a real monitor it resends a message whose ACK did not come (or came as AE), with the same
control id, so the appliance must de-duplicate. Faults: garbage between blocks, and a block cut
short followed by a dropped connection.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
from datetime import datetime

from devices.hl7.mllp import MllpSplitter, unwrap
from devices.simulators import frames
from devices.simulators.serial_device import Fault, Vitals

_LOGGER = logging.getLogger(__name__)
ACK_TIMEOUT_S = 5.0
MDC_MMHG, MDC_PERCENT, MDC_BPM, MDC_DEGC = "266016", "262688", "264864", "268192"


def monitor_values(vitals: Vitals, rng: random.Random) -> dict[str, tuple[str, str]]:
    """Systolic, diastolic, SpO2, pulse and temperature as a monitor reports them."""
    systolic = 110 + vitals.heart_rate % 30 + rng.randint(0, 10)
    return {
        "150021": (str(systolic), MDC_MMHG),
        "150022": (str(systolic - 50 - rng.randint(0, 10)), MDC_MMHG),
        "150456": (str(vitals.spo2), MDC_PERCENT),
        "149530": (str(vitals.heart_rate), MDC_BPM),
        "150364": (f"{36.4 + rng.randint(0, 12) / 10:.1f}", MDC_DEGC),
    }


class Monitor:
    """One monitor connected to the appliance's MLLP listener."""

    def __init__(self, host: str, port: int, identity: str = "VSMON^0123456789ABCDEF^EUI-64") -> None:
        self.host, self.port, self.identity = host, port, identity
        self._sock: socket.socket | None = None
        self._splitter = MllpSplitter()
        self.acknowledged: list[str] = []

    def connect(self) -> None:
        self._sock = socket.create_connection((self.host, self.port), timeout=ACK_TIMEOUT_S)
        self._splitter = MllpSplitter()

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None

    def send(self, control_id: str, message: bytes, fault: Fault = Fault.NONE,
             rng: random.Random | None = None) -> str | None:
        """Send one MLLP block; return the MSA-1 code of the answer (None: no answer).

        :raises OSError: the connection failed (the caller reconnects and resends).
        """
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        if fault is Fault.GARBAGE and rng is not None:
            self._sock.sendall(bytes(rng.randrange(32, 127) for _ in range(rng.randint(3, 30))))
        if fault in (Fault.PARTIAL, Fault.SWITCHED_OFF):
            self._sock.sendall(message[: len(message) // 2])
            self.close()
            return None
        self._sock.sendall(message)
        code = self._await_ack()
        if code == "AA":
            self.acknowledged.append(control_id)
        return code

    def _await_ack(self) -> str | None:
        assert self._sock is not None
        while True:
            data = self._sock.recv(65536)
            if not data:
                self.close()
                return None
            for piece in self._splitter.feed(data):
                text = unwrap(piece.data).decode("utf-8", "replace")
                for segment in text.split("\r"):
                    if segment.startswith("MSA|"):
                        return segment.split("|")[1]


def make_message(identity: str, number: int, vitals: Vitals, rng: random.Random,
                 now: datetime) -> tuple[str, bytes]:
    """The next message of a monitor: (control id, MLLP block)."""
    control_id = f"SIM{number:08d}"
    return control_id, frames.hl7_oru(control_id, now, identity, monitor_values(vitals, rng))
