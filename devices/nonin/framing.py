"""Finding Nonin frames in the serial stream (formats 2, 7, 8, 13) and resynchronising."""

from __future__ import annotations

from devices.errors import RejectReason
from devices.framing import Frame, GarbageBin, Piece
from devices.nonin import const


class PacketSplitter:
    """Formats 2 and 7: checks each 5-byte frame and yields whole 25-frame packets.

    A frame is good when its checksum matches and its status has bit 7 set (format 2 also needs
    a first byte of 01). After a bad byte the splitter slides one byte at a time; a packet
    starts only at a frame whose SYNC bit is set.
    """

    def __init__(self, data_format: int) -> None:
        if data_format not in (2, 7):
            raise ValueError(f"not a packet format: {data_format}")
        self._format = data_format
        self._buffer = bytearray()
        self._packet = bytearray()
        self._bin = GarbageBin()

    def _frame_ok(self, frame: bytes | bytearray) -> bool:
        status = frame[1] if self._format == 2 else frame[0]
        if self._format == 2 and frame[0] != const.FORMAT2_START:
            return False
        return bool(status & const.STATUS_ALWAYS) and sum(frame[:4]) & 0xFF == frame[4]

    def _sync(self, frame: bytes | bytearray) -> bool:
        status = frame[1] if self._format == 2 else frame[0]
        return bool(status & const.STATUS_SYNC)

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take bytes; return complete packets and dropped bytes."""
        out: list[Piece] = []
        self._buffer += chunk
        size = const.FRAME_SIZE
        while len(self._buffer) >= size:
            frame = self._buffer[:size]
            if not self._frame_ok(frame):
                self._abandon_packet(out)
                self._bin.add(
                    self._buffer[:1],
                    RejectReason.BAD_FRAMING,
                    "bad Nonin frame, resynchronising",
                    out,
                )
                del self._buffer[:1]
                continue
            if self._sync(frame):
                self._abandon_packet(out)
            elif not self._packet:
                self._bin.add(frame, RejectReason.BAD_FRAMING, "Nonin frames before the packet start", out)
                del self._buffer[:size]
                continue
            self._packet += frame
            del self._buffer[:size]
            if len(self._packet) == const.PACKET_SIZE:
                self._bin.empty(out)
                out.append(Frame(bytes(self._packet)))
                self._packet.clear()
        return out

    def _abandon_packet(self, out: list[Piece]) -> None:
        if self._packet:
            frames = len(self._packet) // const.FRAME_SIZE
            self._bin.add(
                self._packet, RejectReason.TRUNCATED, f"Nonin packet cut after {frames} frames", out
            )
            self._packet.clear()

    def flush(self) -> list[Piece]:
        """Report a partial packet and leftover bytes."""
        out: list[Piece] = []
        self._abandon_packet(out)
        self._bin.add(self._buffer, RejectReason.TRUNCATED, "Nonin frame cut short", out)
        self._buffer.clear()
        self._bin.empty(out)
        return out


class Format8Splitter:
    """Format 8: a byte with bit 7 set followed by three bytes with bit 7 clear."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._bin = GarbageBin()

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take bytes; return complete packets and dropped bytes."""
        out: list[Piece] = []
        self._buffer += chunk
        while self._buffer:
            if not self._buffer[0] & 0x80:
                self._drop(1, out)
                continue
            tail = self._buffer[1 : const.FORMAT8_SIZE]
            marker = next((i for i, b in enumerate(tail, start=1) if b & 0x80), None)
            if marker is not None:
                self._drop(marker, out)
                continue
            if len(self._buffer) < const.FORMAT8_SIZE:
                break
            self._bin.empty(out)
            out.append(Frame(bytes(self._buffer[: const.FORMAT8_SIZE])))
            del self._buffer[: const.FORMAT8_SIZE]
        return out

    def _drop(self, count: int, out: list[Piece]) -> None:
        self._bin.add(
            self._buffer[:count],
            RejectReason.BAD_FRAMING,
            "bytes outside a Nonin format 8 packet",
            out,
        )
        del self._buffer[:count]

    def flush(self) -> list[Piece]:
        """Report leftover bytes."""
        out: list[Piece] = []
        self._bin.add(self._buffer, RejectReason.TRUNCATED, "Nonin format 8 packet cut short", out)
        self._buffer.clear()
        self._bin.empty(out)
        return out


class Format13Splitter:
    """Format 13: header 00 02 00 0D, big-endian length, data, checksum, ETX.

    The checksum is left to the parser (a frame with a bad checksum is still a frame); a
    missing ETX or an impossible length makes the splitter slide past the header.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._bin = GarbageBin()

    def feed(self, chunk: bytes) -> list[Piece]:
        """Take bytes; return complete frames and dropped bytes."""
        out: list[Piece] = []
        self._buffer += chunk
        header = const.FORMAT13_HEADER
        while self._buffer:
            start = self._buffer.find(header)
            if start < 0:
                keep = self._partial_header_length()
                self._drop(len(self._buffer) - keep, RejectReason.BAD_FRAMING, out)
                break
            self._drop(start, RejectReason.BAD_FRAMING, out)
            if len(self._buffer) < const.FORMAT13_HEADER_SIZE:
                break
            length = int.from_bytes(self._buffer[4:6], "big")
            if not const.FORMAT13_MIN_DATA <= length <= const.FORMAT13_MAX_DATA:
                self._drop(1, RejectReason.BAD_FRAMING, out)
                continue
            total = const.FORMAT13_HEADER_SIZE + length + 2
            if len(self._buffer) < total:
                break
            if self._buffer[total - 1] != const.ETX:
                self._drop(1, RejectReason.BAD_FRAMING, out)
                continue
            self._bin.empty(out)
            out.append(Frame(bytes(self._buffer[:total])))
            del self._buffer[:total]
        return out

    def _partial_header_length(self) -> int:
        header = const.FORMAT13_HEADER
        for size in range(min(len(header) - 1, len(self._buffer)), 0, -1):
            if self._buffer.endswith(header[:size]):
                return size
        return 0

    def _drop(self, count: int, reason: RejectReason, out: list[Piece]) -> None:
        if count > 0:
            self._bin.add(self._buffer[:count], reason, "bytes outside a Nonin format 13 frame", out)
            del self._buffer[:count]

    def flush(self) -> list[Piece]:
        """Report leftover bytes."""
        out: list[Piece] = []
        self._bin.add(self._buffer, RejectReason.TRUNCATED, "Nonin format 13 frame cut short", out)
        self._buffer.clear()
        self._bin.empty(out)
        return out
