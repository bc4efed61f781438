"""The generic splitters: delimited frames and lines, bounded buffers, garbage with reasons."""

from __future__ import annotations

from devices.errors import RejectReason
from devices.framing import MAX_GARBAGE_CHUNK, DelimitedSplitter, Frame, Garbage, LineSplitter


def test_delimited_frame_split_over_many_chunks_comes_out_once() -> None:
    splitter = DelimitedSplitter(b"<<", b">>", 64, "test")
    pieces = []
    for byte in b"<<abc>>":
        pieces += splitter.feed(bytes([byte]))
    assert pieces == [Frame(b"<<abc>>")]


def test_start_marker_split_across_chunks_is_not_lost() -> None:
    splitter = DelimitedSplitter(b"<<", b">>", 64, "test")
    assert splitter.feed(b"xx<") == []
    assert splitter.feed(b"<a>>") == [
        Garbage(b"xx", RejectReason.BAD_FRAMING, "bytes outside a test frame"),
        Frame(b"<<a>>"),
    ]


def test_flooding_without_a_start_marker_is_reported_in_bounded_pieces() -> None:
    splitter = DelimitedSplitter(b"\x0b", b"\x1c\r", 64, "test")
    pieces = splitter.feed(b"z" * (3 * MAX_GARBAGE_CHUNK + 5)) + splitter.flush()
    assert [len(piece.data) for piece in pieces] == [MAX_GARBAGE_CHUNK] * 3 + [5]
    assert all(isinstance(piece, Garbage) for piece in pieces)


def test_unterminated_frame_longer_than_the_limit_is_dropped_as_too_long() -> None:
    splitter = DelimitedSplitter(b"<", b">", 8, "test")
    pieces = splitter.feed(b"<123456789") + splitter.feed(b"<ok>")
    assert pieces == [
        Garbage(b"<123456789", RejectReason.TOO_LONG, "test frame too long"),
        Frame(b"<ok>"),
    ]


def test_lines_accept_lf_or_crlf_and_skip_blank_lines() -> None:
    splitter = LineSplitter(32, "test")
    assert splitter.feed(b"one\r\n\r\ntwo\nthr") == [Frame(b"one"), Frame(b"two")]
    assert splitter.flush() == [Garbage(b"thr", RejectReason.TRUNCATED, "test line cut short")]


def test_overlong_line_is_skipped_up_to_its_end_and_the_next_line_is_kept() -> None:
    splitter = LineSplitter(8, "test")
    pieces = splitter.feed(b"0123456789") + splitter.feed(b"abc\nok\n")
    assert pieces == [
        Garbage(b"0123456789abc\n", RejectReason.TOO_LONG, "test line too long"),
        Frame(b"ok"),
    ]


def test_line_without_the_start_marker_is_garbage() -> None:
    splitter = LineSplitter(32, "test", start=b"{")
    assert splitter.feed(b"noise\n{a,1}\n") == [
        Garbage(b"noise\n", RejectReason.BAD_FRAMING, "not a test line"),
        Frame(b"{a,1}"),
    ]
