"""A simulated serial device on a pty pair: real frames, realistic values and occasional faults.

The device owns the master side; the devices process opens the slave like `/dev/ttyUSB0`, through
a stable symbolic link (`link`) that follows the device across unplug/replug. Faults, drawn from
the random generator passed in: garbage bytes, a frame cut short, and the device switched off in
the middle of a frame (the pty disappears and comes back a moment later).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import tty
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from devices.simulators import frames

_LOGGER = logging.getLogger(__name__)
SERIAL_SIMULATED = ("nonin2", "nonin7", "nonin8", "nonin13", "and-st-gs", "seca", "tanita")


class Fault(StrEnum):
    NONE = "none"
    GARBAGE = "garbage"
    PARTIAL = "partial"
    SWITCHED_OFF = "switched_off"


@dataclass(slots=True)
class Vitals:
    """A slowly wandering resident: the values a device reads from them."""

    heart_rate: int = 74
    spo2: int = 96
    kilograms: Decimal = Decimal("68.4")

    def wander(self, rng: random.Random) -> None:
        self.heart_rate = min(110, max(52, self.heart_rate + rng.choice((-2, -1, 0, 1, 2))))
        self.spo2 = min(100, max(90, self.spo2 + rng.choice((-1, 0, 0, 1))))
        self.kilograms = min(Decimal(95), max(Decimal(42),
                                              self.kilograms + Decimal(rng.choice((-1, 0, 1))) / 10))


def frame_for(protocol: str, vitals: Vitals, now: datetime) -> bytes:
    """One frame of `protocol` carrying the current values."""
    if protocol == "nonin8":
        return frames.nonin8(vitals.heart_rate, vitals.spo2)
    if protocol in ("nonin2", "nonin7"):
        return frames.nonin_packet(int(protocol[-1]), vitals.heart_rate, vitals.spo2)
    if protocol == "nonin13":
        return frames.nonin13(now.replace(microsecond=0), vitals.heart_rate, vitals.spo2)
    if protocol == "and-st-gs":
        return frames.weighing_line(vitals.kilograms)
    if protocol == "seca":
        return frames.seca_frame(vitals.kilograms)
    if protocol == "tanita":
        return frames.tanita_record(vitals.kilograms, 162, Decimal("27.5"))
    raise ValueError(f"no simulator for {protocol}")


class PtySerialDevice:
    """One device on a pty pair.

    :param link: where the symbolic link to the current slave path is kept (None: no link).
    """

    def __init__(self, protocol: str, link: Path | None = None) -> None:
        if protocol not in SERIAL_SIMULATED:
            raise ValueError(f"no simulator for {protocol}")
        self.protocol = protocol
        self.link = link
        self._master: int | None = None
        self._slave: int | None = None
        self.slave_path: str | None = None

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> str:
        """Create the pty pair (raw, no echo) and point the link at it; return the port path."""
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.slave_path = os.ttyname(slave)
        if self.link is not None:
            temporary = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(self.slave_path)
            os.replace(temporary, self.link)
        _LOGGER.info("simulated %s plugged in at %s", self.protocol, self.port)
        return self.port

    @property
    def port(self) -> str:
        """The path the devices process should open (the link when there is one)."""
        if self.link is not None:
            return str(self.link)
        assert self.slave_path is not None
        return self.slave_path

    def unplug(self) -> None:
        """Close both sides: the reader sees the port vanish."""
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        _LOGGER.info("simulated %s unplugged", self.protocol)

    def write(self, data: bytes) -> int:
        """Write what the device sends; bytes nobody reads (buffer full) are lost, as on a wire."""
        if self._master is None:
            return 0
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0

    def write_all(self, data: bytes, timeout_s: float = 30.0) -> None:
        """Write everything, waiting while the reader drains the line (a stored-records dump)."""
        view = memoryview(data)
        while view and self._master is not None:
            _, writable, _ = select.select([], [self._master], [], timeout_s)
            if not writable:
                raise TimeoutError("nobody reads the simulated port")
            view = view[self.write(bytes(view[:4096])):]

    def read_answer(self, size: int = 256) -> bytes:
        """What the host wrote back (a handshake), if anything."""
        if self._master is None:
            return b""
        try:
            return os.read(self._master, size)
        except (BlockingIOError, OSError):
            return b""

    def send(self, frame: bytes, fault: Fault, rng: random.Random) -> None:
        """Send one frame, possibly spoilt by `fault` (SWITCHED_OFF leaves the device unplugged)."""
        if fault is Fault.GARBAGE:
            self.write(bytes(rng.randrange(256) for _ in range(rng.randint(3, 40))))
            self.write(frame)
        elif fault is Fault.PARTIAL:
            self.write(frame[: max(1, len(frame) // 2)])
        elif fault is Fault.SWITCHED_OFF:
            self.write(frame[: max(1, len(frame) // 2)])
            self.unplug()
        else:
            self.write(frame)


def draw_fault(rng: random.Random, rate: float) -> Fault:
    """NONE most of the time; otherwise one of the faults, equally likely."""
    if rng.random() >= rate:
        return Fault.NONE
    return rng.choice((Fault.GARBAGE, Fault.PARTIAL, Fault.SWITCHED_OFF))
