"""Reading HL7 v2 text: segments, separators from MSH, escapes and time stamps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from devices.errors import FrameRejected, RejectReason
from devices.hl7 import const
from devices.hl7.mllp import unwrap

_TIME = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?(?P<minute>\d{2})?"
    r"(?P<second>\d{2})?(?:\.\d{1,4})?(?P<zone>[+-]\d{4})?",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters a message declares in MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def encoding_characters(self) -> str:
        """MSH-2 as written back in an answer."""
        return self.component + self.repetition + self.escape + self.subcomponent

    def unescape(self, text: str) -> str:
        """Replace the standard escapes (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\) by their characters."""
        if self.escape not in text:
            return text
        table = {
            "F": self.field,
            "S": self.component,
            "T": self.subcomponent,
            "R": self.repetition,
            "E": self.escape,
        }
        parts = text.split(self.escape)
        result = [parts[0]]
        for index in range(1, len(parts), 2):
            code = parts[index]
            tail = parts[index + 1] if index + 1 < len(parts) else ""
            result.append(table.get(code, "") + tail)
        return "".join(result)

    def escape_text(self, text: str) -> str:
        """Escape delimiters in free text written into an answer."""
        out = text.replace(self.escape, f"{self.escape}E{self.escape}")
        for char, code in (
            (self.field, "F"),
            (self.component, "S"),
            (self.subcomponent, "T"),
            (self.repetition, "R"),
        ):
            out = out.replace(char, f"{self.escape}{code}{self.escape}")
        return out.replace("\r", " ").replace("\n", " ")


def decode_text(data: bytes) -> str:
    """Message bytes (MLLP block or bare) to text: UTF-8, or Latin-1 when it is not UTF-8."""
    raw = unwrap(data)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_segments(text: str) -> list[str]:
    """Segments of a message; CR is the terminator, LF and CR LF are tolerated."""
    lines = text.replace("\r\n", "\r").replace("\n", "\r").split(const.SEGMENT_END)
    return [line for line in lines if line.strip()]


def read_separators(msh: str) -> Separators:
    """Separators declared by an MSH segment.

    :raises FrameRejected: BAD_FRAMING when the segment is not a usable MSH.
    """
    if not msh.startswith("MSH") or len(msh) < 8:
        raise FrameRejected(RejectReason.BAD_FRAMING, "HL7 message does not start with an MSH segment")
    field, encoding = msh[3], msh[4:8]
    chars = (field, *encoding)
    if len(set(chars)) != len(chars) or any(char.isalnum() or char.isspace() for char in chars):
        raise FrameRejected(RejectReason.BAD_FRAMING, "HL7 MSH declares unusable separators")
    return Separators(field, *encoding)


def parse_time(text: str) -> datetime | None:
    """An HL7 DTM (YYYY[MM[DD[HHMM[SS[.S]]]]][+/-ZZZZ]) as a datetime; None for an empty field.

    Without an offset the result is naive (the device's local wall time).

    :raises FrameRejected: IMPOSSIBLE_VALUE for a malformed or impossible time.
    """
    if not text:
        return None
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, "HL7 time stamp is malformed")
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "zone"}
    zone = match["zone"]
    tzinfo = None
    try:
        if zone:
            sign = -1 if zone[0] == "-" else 1
            tzinfo = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
        return datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
            tzinfo=tzinfo,
        )
    except ValueError:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, "HL7 time stamp is out of range") from None


def format_time(moment: datetime) -> str:
    """A datetime as an HL7 DTM to the second, with its offset when it has one."""
    text = moment.strftime("%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
