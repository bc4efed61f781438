"""Finding Nonin frames in a serial stream: packets, resynchronisation, garbage with reasons."""

from __future__ import annotations

from devices.errors import RejectReason
from devices.framing import Frame, Garbage, Piece
from devices.nonin import Format8Splitter, Format13Splitter, PacketSplitter

# Format 2: the first four frames are Pufferfish's TestNoninOEM3 example; the rest complete the
# packet per the float-byte table (SREV 48, timer 5, SmartPoint, SpO2-D 96, HR-D 71).
PACKET_2 = bytes.fromhex(
    "018101008301800148ca01800161e301800130b201800100820180010082018001058701800120a2"
    "01800160e201800162e401800161e301800100820180010082018001008201800149cb01800161e3"
    "01800160e201800100820180010082018001008201800147c9018001008201800147c901800100820180010082"
)
# Format 7: same float bytes, 16-bit pleth 257…281, status with GPRF (good perfusion).
PACKET_7 = bytes.fromhex(
    "830101008582010248cd82010361e782010430b782010500888201060089820107058f82010820ab"
    "82010960ec82010a62ef82010b61ef82010c008f82010d009082010e009182010f49db82011061f4"
    "82011160f482011200958201130096820114009782011547df820116009982011747e1820118009b820119009c"
)
FORMAT8_72_97 = bytes.fromhex("80486100")
FORMAT8_150_95 = bytes.fromhex("81165f00")
FORMAT13_SPOT = bytes.fromhex(
    "0002000d000e" + "2024112209301500" + "0200" + "0048" + "00" + "61" + "70" + "03"
)


def _feed_in_chunks(
    splitter: PacketSplitter | Format8Splitter | Format13Splitter, data: bytes, size: int
) -> list[Piece]:
    out: list[Piece] = []
    for start in range(0, len(data), size):
        out += splitter.feed(data[start : start + size])
    return out + splitter.flush()


def _frames(pieces: list[Piece]) -> list[bytes]:
    return [piece.data for piece in pieces if isinstance(piece, Frame)]


def test_format2_packets_come_out_whole_whatever_the_chunk_size() -> None:
    for size in (1, 3, 7, 125, 500):
        pieces = _feed_in_chunks(PacketSplitter(2), PACKET_2 * 3, size)
        assert pieces == [Frame(PACKET_2)] * 3


def test_format2_resynchronises_after_garbage_and_keeps_packets_on_both_sides() -> None:
    stream = PACKET_2 + b"\x55\xaa\x01\x80" + PACKET_2
    pieces = _feed_in_chunks(PacketSplitter(2), stream, 16)
    assert pieces == [
        Frame(PACKET_2),
        Garbage(b"\x55\xaa\x01\x80", RejectReason.BAD_FRAMING, "bad Nonin frame, resynchronising"),
        Frame(PACKET_2),
    ]


def test_format2_joined_mid_packet_waits_for_the_next_sync_frame() -> None:
    stream = PACKET_2[50:] + PACKET_2
    pieces = PacketSplitter(2).feed(stream)
    assert _frames(pieces) == [PACKET_2]
    assert all(piece.reason is RejectReason.BAD_FRAMING for piece in pieces if isinstance(piece, Garbage))


def test_format2_packet_cut_by_a_new_sync_is_reported_truncated() -> None:
    pieces = PacketSplitter(2).feed(PACKET_2[:60] + PACKET_2)
    assert pieces[0] == Garbage(PACKET_2[:60], RejectReason.TRUNCATED, "Nonin packet cut after 12 frames")
    assert pieces[1:] == [Frame(PACKET_2)]


def test_format2_frame_with_bad_checksum_loses_only_its_packet() -> None:
    corrupt = bytearray(PACKET_2)
    corrupt[24] ^= 0xFF
    pieces = _feed_in_chunks(PacketSplitter(2), PACKET_2 + bytes(corrupt) + PACKET_2, 25)
    assert _frames(pieces) == [PACKET_2, PACKET_2]


def test_format7_packets_are_split() -> None:
    assert _feed_in_chunks(PacketSplitter(7), PACKET_7 + PACKET_7, 9) == [Frame(PACKET_7)] * 2


def test_device_switched_off_mid_packet_leaves_truncated_garbage_on_flush() -> None:
    splitter = PacketSplitter(2)
    assert splitter.feed(PACKET_2[:42]) == []
    flushed = splitter.flush()
    assert [piece.reason for piece in flushed if isinstance(piece, Garbage)] == [
        RejectReason.TRUNCATED,
        RejectReason.TRUNCATED,
    ]
    assert b"".join(piece.data for piece in flushed) == PACKET_2[:42]


def test_format8_stream_with_noise_keeps_every_packet() -> None:
    stream = b"\x11\x22" + FORMAT8_72_97 + b"\x90\x01" + FORMAT8_150_95 + FORMAT8_72_97[:2]
    pieces = _feed_in_chunks(Format8Splitter(), stream, 1)
    assert pieces == [
        Garbage(b"\x11\x22", RejectReason.BAD_FRAMING, "bytes outside a Nonin format 8 packet"),
        Frame(FORMAT8_72_97),
        Garbage(b"\x90\x01", RejectReason.BAD_FRAMING, "bytes outside a Nonin format 8 packet"),
        Frame(FORMAT8_150_95),
        Garbage(FORMAT8_72_97[:2], RejectReason.TRUNCATED, "Nonin format 8 packet cut short"),
    ]


def test_format13_frames_are_found_after_garbage_and_a_false_header() -> None:
    false_header = b"\x00\x02\x00\x0d\x00\x0e" + b"\x99" * 16  # right length, no ETX
    stream = b"\xff\x00" + false_header + FORMAT13_SPOT + b"\x06" + FORMAT13_SPOT
    pieces = _feed_in_chunks(Format13Splitter(), stream, 5)
    assert _frames(pieces) == [FORMAT13_SPOT, FORMAT13_SPOT]
    garbage = b"".join(piece.data for piece in pieces if isinstance(piece, Garbage))
    assert garbage == b"\xff\x00" + false_header + b"\x06"


def test_format13_header_split_across_chunks_is_kept() -> None:
    splitter = Format13Splitter()
    assert splitter.feed(b"\x42" + FORMAT13_SPOT[:3]) == []
    assert _frames(splitter.feed(FORMAT13_SPOT[3:])) == [FORMAT13_SPOT]
