"""The ITI-41 SOAP 1.2 envelope: WS-Addressing headers, the VIHF in WS-Security, and the body.

The body is ``xdsb:ProvideAndRegisterDocumentSetRequest`` holding the ``lcm:SubmitObjectsRequest``
(serialised by `sync.ebrs` from the document's metadata) and one ``xdsb:Document`` per document,
whose bytes travel as an MTOM part referenced by ``xop:Include``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XDSB = "urn:ihe:iti:xds-b:2007"
XOP = "http://www.w3.org/2004/08/xop/include"
RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
ITI41_ACTION = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
ITI41_RESPONSE_ACTION = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"


@dataclass(frozen=True, slots=True)
class AttachedDocument:
    """A document of the request: its entryUUID (the ExtrinsicObject id) and its MTOM Content-ID."""

    entry_uuid: str
    content_id: str


def _header(parent: etree._Element, tag: str, text: str, must_understand: bool = False) -> None:
    element = etree.SubElement(parent, tag)
    element.text = text
    if must_understand:
        element.set(f"{{{SOAP12}}}mustUnderstand", "true")


def build_envelope(*, to: str, action: str, assertion: etree._Element | None,
                   body: etree._Element, message_id: str | None = None,
                   relates_to: str | None = None) -> etree._Element:
    """A SOAP 1.2 envelope with WS-Addressing headers and, when given, a WS-Security VIHF."""
    envelope = etree.Element(f"{{{SOAP12}}}Envelope",
                             nsmap={"soap": SOAP12, "wsa": WSA, "wsse": WSSE})
    header = etree.SubElement(envelope, f"{{{SOAP12}}}Header")
    _header(header, f"{{{WSA}}}Action", action, must_understand=True)
    _header(header, f"{{{WSA}}}MessageID", message_id or f"urn:uuid:{uuid.uuid4()}")
    if relates_to is not None:
        _header(header, f"{{{WSA}}}RelatesTo", relates_to)
    else:
        reply_to = etree.SubElement(header, f"{{{WSA}}}ReplyTo")
        etree.SubElement(reply_to, f"{{{WSA}}}Address").text = ANONYMOUS
        _header(header, f"{{{WSA}}}To", to, must_understand=True)
    if assertion is not None:
        security = etree.SubElement(header, f"{{{WSSE}}}Security")
        security.set(f"{{{SOAP12}}}mustUnderstand", "true")
        security.append(assertion)
    etree.SubElement(envelope, f"{{{SOAP12}}}Body").append(body)
    return envelope


def provide_and_register(submit_objects: etree._Element,
                         documents: list[AttachedDocument]) -> etree._Element:
    """The ITI-41 request body around a SubmitObjectsRequest and the xop:Include references."""
    request = etree.Element(f"{{{XDSB}}}ProvideAndRegisterDocumentSetRequest",
                            nsmap={"xdsb": XDSB, "xop": XOP})
    request.append(submit_objects)
    for document in documents:
        node = etree.SubElement(request, f"{{{XDSB}}}Document", id=document.entry_uuid)
        etree.SubElement(node, f"{{{XOP}}}Include", href=f"cid:{document.content_id}")
    return request


def serialise(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def body_child(envelope: etree._Element) -> etree._Element:
    """The first element of the SOAP Body.

    :raises ValueError: not a SOAP 1.2 envelope, or an empty body.
    """
    if envelope.tag != f"{{{SOAP12}}}Envelope":
        raise ValueError("not a SOAP 1.2 envelope")
    body = envelope.find(f"{{{SOAP12}}}Body")
    child = None if body is None else next(iter(body), None)
    if child is None:
        raise ValueError("the SOAP Body is empty")
    return child


def header_text(envelope: etree._Element, tag: str) -> str | None:
    header = envelope.find(f"{{{SOAP12}}}Header")
    if header is None:
        return None
    found = header.findtext(tag)
    return found.strip() if found is not None else None
