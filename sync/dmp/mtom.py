"""MTOM/XOP packaging of a SOAP 1.2 message: one multipart/related body, written and read by hand.

The root part is the SOAP envelope (``application/xop+xml; type="application/soap+xml"``), each
document travels as a binary part referenced from the envelope by ``<xop:Include href="cid:…"/>``.
The HTTP Content-Type carries ``type="application/xop+xml"``, ``start`` (the root part's
Content-ID), ``start-info="application/soap+xml"`` and the SOAP ``action`` (W3C MTOM + SOAP 1.2).
Parts are binary (``Content-Transfer-Encoding: binary``), so the boundary is chosen at random and
checked not to occur in any part.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from email.message import Message

SOAP12_TYPE = "application/soap+xml"
XOP_TYPE = "application/xop+xml"
CRLF = b"\r\n"


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME part: its Content-ID (without angle brackets), media type and bytes."""

    content_id: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class MtomMessage:
    """A packaged message: the HTTP Content-Type header value and the body."""

    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class ParsedMtom:
    """A received message: the SOAP envelope bytes and the attachments by Content-ID."""

    envelope: bytes
    action: str | None
    attachments: dict[str, Part]


def new_content_id(label: str, domain: str = "relais.local") -> str:
    return f"{label}.{secrets.token_hex(8)}@{domain}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def package(envelope: bytes, root_id: str, attachments: list[Part], action: str) -> MtomMessage:
    """Write the multipart/related body for a SOAP 1.2 envelope and its attachments."""
    while True:
        boundary = f"MIMEBoundary_{secrets.token_hex(16)}"
        marker = boundary.encode()
        if marker not in envelope and all(marker not in part.data for part in attachments):
            break
    chunks: list[bytes] = []
    root_type = f"{XOP_TYPE}; charset=UTF-8; type={_quote(SOAP12_TYPE)}; action={_quote(action)}"
    parts = [Part(root_id, root_type, envelope), *attachments]
    for part in parts:
        chunks += [b"--", marker, CRLF,
                   f"Content-Type: {part.media_type}".encode(), CRLF,
                   b"Content-Transfer-Encoding: binary", CRLF,
                   f"Content-ID: <{part.content_id}>".encode(), CRLF, CRLF,
                   part.data, CRLF]
    chunks += [b"--", marker, b"--", CRLF]
    content_type = (f"multipart/related; type={_quote(XOP_TYPE)}; boundary={_quote(boundary)}; "
                    f"start={_quote('<' + root_id + '>')}; start-info={_quote(SOAP12_TYPE)}; "
                    f"action={_quote(action)}")
    return MtomMessage(content_type, b"".join(chunks))


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """A MIME header value split into its media type and parameters (lower-cased names)."""
    message = Message()
    message["Content-Type"] = value
    params = {key.lower(): str(val) for key, val in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


_HEADER_LINE = re.compile(rb"^([A-Za-z0-9-]+):[ \t]*(.*)$")


def _split_part(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, sep, data = raw.partition(CRLF + CRLF)
    if not sep:
        raise ValueError("a MIME part has no blank line after its headers")
    headers: dict[str, str] = {}
    for line in head.split(CRLF):
        match = _HEADER_LINE.match(line)
        if match is None:
            raise ValueError("a MIME part header line is malformed")
        headers[match.group(1).decode("ascii").lower()] = match.group(2).decode("utf-8").strip()
    return headers, data


def parse(content_type: str, body: bytes) -> ParsedMtom:
    """Read an MTOM request as a SOAP 1.2 service does.

    :raises ValueError: naming what is wrong (media type, parameters, parts, root part).
    """
    media_type, params = header_params(content_type)
    if media_type != "multipart/related":
        raise ValueError(f"Content-Type is {media_type}, not multipart/related")
    if params.get("type") != XOP_TYPE:
        raise ValueError("multipart/related lacks type=\"application/xop+xml\"")
    if params.get("start-info") != SOAP12_TYPE:
        raise ValueError("multipart/related lacks start-info=\"application/soap+xml\"")
    boundary = params.get("boundary")
    if not boundary:
        raise ValueError("multipart/related has no boundary")
    delimiter = b"--" + boundary.encode()
    pieces = body.split(CRLF + delimiter)
    first = pieces[0]
    if not first.startswith(delimiter):
        raise ValueError("the body does not start with the boundary")
    pieces[0] = first[len(delimiter):]
    if not pieces[-1].startswith(b"--"):
        raise ValueError("the body has no closing boundary")
    parts: dict[str, Part] = {}
    for piece in pieces[:-1]:
        if not piece.startswith(CRLF):
            raise ValueError("a boundary line is followed by junk")
        headers, data = _split_part(piece[len(CRLF):])
        content_id = headers.get("content-id", "").strip("<>")
        if not content_id:
            raise ValueError("a MIME part has no Content-ID")
        parts[content_id] = Part(content_id, headers.get("content-type", ""), data)
    if not parts:
        raise ValueError("the message has no parts")
    start = params.get("start", "").strip("<>") or next(iter(parts))
    root = parts.pop(start, None)
    if root is None:
        raise ValueError("the start part named by the Content-Type is missing")
    root_type, root_params = header_params(root.media_type)
    if root_type != XOP_TYPE or root_params.get("type") != SOAP12_TYPE:
        raise ValueError("the root part is not application/xop+xml of a SOAP 1.2 envelope")
    action = params.get("action") or root_params.get("action")
    return ParsedMtom(root.data, action, parts)
