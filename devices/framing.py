"""Finding frames in a serial byte stream: the common result types and the generic splitters.

A splitter is fed chunks as they arrive and returns, in stream order, complete frames and the
bytes it had to throw away (with the reason). It never decodes: the parsers do. Buffers are
bounded, so a device that floods cannot grow memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from devices.errors import RejectReason

MAX_GARBAGE_CHUNK = 256
"""Discarded bytes are reported in pieces of at most this size."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete frame, ready for the protocol's parser."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes dropped while looking for frames."""

    data: bytes
    reason: RejectReason
    detail: str


Piece = Frame | Garbage


class FrameSplitter(Protocol):
    """What every serial protocol's splitter offers."""

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take the next bytes from the line; return what became complete."""
        ...

    def flush(self) -> list[Piece]:
        """The line closed: report anything still buffered as garbage."""
        ...


class GarbageBin:
    """Collects dropped bytes of one kind and reports them in bounded pieces."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._reason = RejectReason.BAD_FRAMING
        self._detail = ""

    def add(self, data: bytes | bytearray, reason: RejectReason, detail: str, out: list[Piece]) -> None:
        """Add dropped bytes; flushes first if the reason changes or the bin is full."""
        if not data:
            return
        if self._data and (reason != self._reason or detail != self._detail):
            self.empty(out)
        self._reason, self._detail = reason, detail
        self._data += data
        while len(self._data) >= MAX_GARBAGE_CHUNK:
            out.append(Garbage(bytes(self._data[:MAX_GARBAGE_CHUNK]), reason, detail))
            del self._data[:MAX_GARBAGE_CHUNK]

    def empty(self, out: list[Piece]) -> None:
        """Report what is collected, if anything."""
        if self._data:
            out.append(Garbage(bytes(self._data), self._reason, self._detail))
            self._data.clear()


class DelimitedSplitter:
    """Frames that run from a start marker to an end marker (MLLP, seca STX…ETX)."""

    def __init__(self, start: bytes, end: bytes, max_length: int, name: str) -> None:
        self._start, self._end, self._max, self._name = start, end, max_length, name
        self._buffer = bytearray()
        self._bin = GarbageBin()

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take bytes; return complete frames (markers included) and dropped bytes."""
        out: list[Piece] = []
        self._buffer += chunk
        while self._buffer:
            begin = self._buffer.find(self._start)
            if begin < 0:
                keep = len(self._start) - 1
                cut = len(self._buffer) - keep
                self._drop(cut, RejectReason.BAD_FRAMING, f"bytes outside a {self._name} frame", out)
                break
            self._drop(begin, RejectReason.BAD_FRAMING, f"bytes outside a {self._name} frame", out)
            if not self._take_frame(out):
                break
        return out

    def _take_frame(self, out: list[Piece]) -> bool:
        """Handle a buffer that starts with the start marker; False when more bytes are needed."""
        body_from = len(self._start)
        end = self._buffer.find(self._end, body_from)
        restart = self._buffer.find(self._start, body_from)
        if restart >= 0 and (end < 0 or restart < end):
            self._drop(restart, RejectReason.TRUNCATED, f"{self._name} frame cut short", out)
            return True
        if end < 0:
            if len(self._buffer) > self._max:
                self._drop(len(self._buffer), RejectReason.TOO_LONG, f"{self._name} frame too long", out)
                return True
            return False
        stop = end + len(self._end)
        if stop > self._max:
            self._drop(stop, RejectReason.TOO_LONG, f"{self._name} frame too long", out)
            return True
        self._bin.empty(out)
        out.append(Frame(bytes(self._buffer[:stop])))
        del self._buffer[:stop]
        return True

    def _drop(self, count: int, reason: RejectReason, detail: str, out: list[Piece]) -> None:
        if count > 0:
            self._bin.add(self._buffer[:count], reason, detail, out)
            del self._buffer[:count]

    def flush(self) -> list[Piece]:
        """Report the unfinished frame, if any, as truncated."""
        out: list[Piece] = []
        self._drop(len(self._buffer), RejectReason.TRUNCATED, f"{self._name} frame cut short", out)
        self._bin.empty(out)
        return out


class LineSplitter:
    """ASCII lines ended by LF (CR LF accepted); each line is one frame, without its ending."""

    def __init__(self, max_length: int, name: str, start: bytes = b"") -> None:
        self._max, self._name, self._start = max_length, name, start
        self._buffer = bytearray()
        self._skipping = False
        self._bin = GarbageBin()

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take bytes; return complete lines and dropped bytes."""
        out: list[Piece] = []
        self._buffer += chunk
        while True:
            newline = self._buffer.find(b"\n")
            if newline < 0:
                if len(self._buffer) > self._max:
                    self._too_long(len(self._buffer), out)
                break
            line = bytes(self._buffer[: newline + 1])
            del self._buffer[: newline + 1]
            if self._skipping:
                self._skipping = False
                self._bin.add(line, RejectReason.TOO_LONG, f"{self._name} line too long", out)
                continue
            self._emit_line(line, out)
        return out

    def _too_long(self, count: int, out: list[Piece]) -> None:
        self._bin.add(self._buffer[:count], RejectReason.TOO_LONG, f"{self._name} line too long", out)
        del self._buffer[:count]
        self._skipping = True

    def _emit_line(self, line: bytes, out: list[Piece]) -> None:
        if len(line) > self._max:
            self._bin.add(line, RejectReason.TOO_LONG, f"{self._name} line too long", out)
            return
        text = line.rstrip(b"\r\n")
        if self._start:
            begin = text.find(self._start)
            if begin < 0:
                self._bin.add(line, RejectReason.BAD_FRAMING, f"not a {self._name} line", out)
                return
            self._bin.add(text[:begin], RejectReason.BAD_FRAMING, f"bytes before a {self._name} line", out)
            text = text[begin:]
        if not text.strip():
            return
        self._bin.empty(out)
        out.append(Frame(text))

    def flush(self) -> list[Piece]:
        """Report an unfinished line as truncated."""
        out: list[Piece] = []
        if self._buffer:
            reason = RejectReason.TOO_LONG if self._skipping else RejectReason.TRUNCATED
            self._bin.add(self._buffer, reason, f"{self._name} line cut short", out)
            self._buffer.clear()
        self._skipping = False
        self._bin.empty(out)
        return out
