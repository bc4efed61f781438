"""The sandbox DMP's checks of one CDA document against its DocumentEntry (NATIONAL.md §2.10 5–6).

The entry's hash and size against the bytes; uniqueId, title, creationTime, serviceStartTime and
typeCode against the CDA header; the formatCode against the CDA model (templateId, or the PDF
format for a non-XML body); and, when the sandbox is given a CDA schema (``--cda-schema``,
e.g. the HL7 ``CDA_extended.xsd``), the document against it. The sandbox ships no schema, so
without one that check is off. The CI-SIS schematrons are not run here: they need XSLT 2
(``queryBinding="xslt2"``), which lxml cannot run.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

from lxml import etree

from sync.dmp.response import RegistryError
from sync.xml_safety import parse_untrusted

HL7 = "urn:hl7-org:v3"
META = "XDSRegistryMetadataError"
INVALID_CONTENT = "XDSInvalidDocumentContent"
FORMAT_BY_TEMPLATE = {"1.2.250.1.213.1.1.1.22": "urn:asip:ci-sis:dlu:2015",
                      "1.2.250.1.213.1.1.1.23": "urn:asip:ci-sis:fludt:2017",
                      "1.2.250.1.213.1.1.1.24": "urn:asip:ci-sis:fludr:2017"}
PDF_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
_NS = {"h": HL7}
# One validation at a time: the sandbox answers on several threads and shares the schema.
_SCHEMA_LOCK = threading.Lock()


def load_cda_schema(path: str) -> etree.XMLSchema:
    """The compiled CDA schema of a ``--cda-schema`` file.

    :raises ValueError: the file is missing or not a schema, with the reason.
    """
    try:
        return etree.XMLSchema(etree.parse(path))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ValueError(f"the CDA schema {path} cannot be loaded: {exc}") from exc


def _cda_time(cda: etree._Element, path: str) -> str | None:
    found = cda.xpath(path, namespaces=_NS)
    if not found:
        return None
    value = str(found[0])
    if len(value) > 14 and value[14] in "+-":
        return datetime.strptime(value, "%Y%m%d%H%M%S%z").astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return value


def _schema_errors(cda: etree._Element, schema: etree.XMLSchema) -> str | None:
    with _SCHEMA_LOCK:
        if schema.validate(cda):
            return None
        error = schema.error_log.last_error
    return f"line {error.line}: {error.message}" if error is not None else "invalid"


def check_content(meta: dict[str, list[str]], title: str, unique_id: str, format_code: str,
                  type_code: str, content: bytes, errors: list[RegistryError],
                  cda_schema: etree.XMLSchema | None = None) -> None:
    """Append to ``errors`` what is wrong between an entry's metadata and its CDA bytes."""
    if meta["hash"][0].lower() != hashlib.sha1(content, usedforsecurity=False).hexdigest():
        errors.append(RegistryError("XDSRepositoryMetadataError", "hash differs", "Error"))
    if meta["size"][0] != str(len(content)):
        errors.append(RegistryError("XDSNonIdenticalSize", "size differs", "Error"))
    try:
        cda = parse_untrusted(content)
    except etree.XMLSyntaxError:
        errors.append(RegistryError(INVALID_CONTENT, "not XML", "Error"))
        return
    if cda_schema is not None and (problem := _schema_errors(cda, cda_schema)) is not None:
        errors.append(RegistryError(INVALID_CONTENT, f"CDA schema: {problem}", "Error"))
    cda_id = "^".join(filter(None, (cda.xpath("string(h:id/@root)", namespaces=_NS),
                                    cda.xpath("string(h:id/@extension)", namespaces=_NS))))
    checks = (("uniqueId", unique_id, cda_id),
              ("title", title, cda.findtext(f"{{{HL7}}}title", "").strip()),
              ("creationTime", meta["creationTime"][0], _cda_time(cda, "h:effectiveTime/@value")),
              ("serviceStartTime", meta["serviceStartTime"][0],
               _cda_time(cda, "h:documentationOf/h:serviceEvent/h:effectiveTime/h:low/@value")),
              ("typeCode", type_code, cda.xpath("string(h:code/@code)", namespaces=_NS)))
    for name, declared, actual in checks:
        if declared != actual:
            errors.append(RegistryError(META, f"{name} differs from the CDA", "Error"))
    templates = set(cda.xpath("h:templateId/@root", namespaces=_NS))
    expected = [f for t, f in FORMAT_BY_TEMPLATE.items() if t in templates]
    if cda.find(f"{{{HL7}}}component/{{{HL7}}}nonXMLBody") is not None:
        expected = [PDF_FORMAT]
    if expected and format_code not in expected:
        errors.append(RegistryError(META, "formatCode inconsistent with templateId", "Error"))
