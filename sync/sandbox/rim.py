"""Reading the ebRIM objects of a received SubmitObjectsRequest: slots, classifications, identifiers.

Small lookups shared by the sandbox DMP's checks (`dmp_checks`, `dmp_signature`): objects refer to
each other by id (``classifiedObject``, ``registryObject``), so each lookup takes the
``RegistryObjectList`` and the id of the object concerned.
"""

from __future__ import annotations

from lxml import etree

from sync.ebrs import RIM


def slots(node: etree._Element) -> dict[str, list[str]]:
    """Slot name → its values (several slots of one name are merged)."""
    found: dict[str, list[str]] = {}
    for slot in node.iterfind(f"{{{RIM}}}Slot"):
        values = [v.text or "" for v in slot.iterfind(f"{{{RIM}}}ValueList/{{{RIM}}}Value")]
        found.setdefault(slot.get("name", ""), []).extend(values)
    return found


def classes(objects: etree._Element, object_id: str, scheme: str) -> list[etree._Element]:
    """The Classifications of one object under one scheme."""
    return [c for c in objects.iter(f"{{{RIM}}}Classification")
            if c.get("classificationScheme") == scheme and c.get("classifiedObject") == object_id]


def external(objects: etree._Element, object_id: str, scheme: str) -> list[str]:
    """The values of one object's ExternalIdentifiers under one scheme."""
    return [e.get("value", "") for e in objects.iter(f"{{{RIM}}}ExternalIdentifier")
            if e.get("identificationScheme") == scheme and e.get("registryObject") == object_id]


def coding(node: etree._Element) -> tuple[str, str]:
    """A coded Classification as (code, coding scheme)."""
    return node.get("nodeRepresentation", ""), (slots(node).get("codingScheme") or [""])[0]
