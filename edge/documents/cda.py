"""Small lxml helpers shared by the CDA builders: namespaces, elements, codes, times, ids."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TypeAlias

from lxml import etree

from edge.documents.codes import Code
from edge.documents.model import Address, InstanceId

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: HL7, "xsi": XSI}
XSI_TYPE = f"{{{XSI}}}type"

# Namespace for the deterministic ids of entries: uuid5(document id, running number).
_ENTRY_NAMESPACE = uuid.UUID("6f1b6c1e-3a0e-4c55-9a59-2f4a2a4f7e11")

Element: TypeAlias = etree._Element


def tag(name: str) -> str:
    """The Clark name of an element of the HL7 v3 namespace."""
    return f"{{{HL7}}}{name}"


def sub(parent: Element, name: str, text: str | None = None, **attrs: str | None) -> Element:
    """Append an HL7 element; attributes whose value is None are left out.

    `xsi_type` is written as `xsi:type`.
    """
    element = etree.SubElement(parent, tag(name))
    for key, value in attrs.items():
        if value is None:
            continue
        element.set(XSI_TYPE if key == "xsi_type" else key, value)
    if text is not None:
        element.text = text
    return element


def coded(parent: Element, name: str, code: Code, **attrs: str | None) -> Element:
    """Append a coded element (code, codeSystem, displayName)."""
    return sub(parent, name, code=code.code, codeSystem=code.system,
               displayName=code.display, **attrs)


def instance_id(parent: Element, value: InstanceId, name: str = "id") -> Element:
    """Append an II element."""
    return sub(parent, name, root=value.root, extension=value.extension)


def timestamp(moment: datetime) -> str:
    """HL7 TS with seconds and the UTC offset, e.g. `20240314093000+0100`.

    :raises ValueError: if the date-time has no time zone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a document time must carry its time zone")
    return moment.strftime("%Y%m%d%H%M%S%z")


def day(value: date) -> str:
    """HL7 TS precise to the day."""
    return value.strftime("%Y%m%d")


def time_element(parent: Element, name: str, moment: datetime | None,
                 absent: str = "UNK") -> Element:
    """Append a TS element, with a nullFlavor when the time is unknown."""
    if moment is None:
        return sub(parent, name, nullFlavor=absent)
    return sub(parent, name, value=timestamp(moment))


def address(parent: Element, value: Address | None) -> Element:
    """Append an AD element, `nullFlavor="NASK"` when there is no address."""
    if value is None:
        return sub(parent, "addr", nullFlavor="NASK")
    element = sub(parent, "addr")
    sub(element, "streetAddressLine", value.street)
    sub(element, "postalCode", value.postal_code)
    sub(element, "city", value.city)
    if value.country:
        sub(element, "country", value.country)
    return element


def telecom(parent: Element, phone: str | None, use: str = "WP") -> Element:
    """Append a TEL element for a telephone number, `nullFlavor="NASK"` when unknown."""
    if not phone:
        return sub(parent, "telecom", nullFlavor="NASK")
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return sub(parent, "telecom", value=f"tel:{digits}", use=use)


def person_name(parent: Element, family: str, given: str) -> Element:
    """Append a simple PN (given then family)."""
    element = sub(parent, "name")
    sub(element, "given", given)
    sub(element, "family", family)
    return element


class IdMinter:
    """Gives each entry of one document a stable, unique UUID derived from the document id.

    Building the same document twice gives the same ids; two documents never share one.
    """

    def __init__(self, document_id: InstanceId) -> None:
        self._seed = f"{document_id.root}|{document_id.extension or ''}"
        self._count = 0

    def next(self) -> str:
        """The next entry id (upper-case UUID, as HL7 II roots are usually written)."""
        self._count += 1
        return str(uuid.uuid5(_ENTRY_NAMESPACE, f"{self._seed}|{self._count}")).upper()

    def add(self, parent: Element) -> Element:
        """Append an `id` element carrying the next entry id."""
        return sub(parent, "id", root=self.next())


def serialise(root: Element) -> bytes:
    """The document as UTF-8 XML bytes with an XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
