"""The one way sync parses XML it did not build itself (answers, requests, documents received).

lxml's default parser substitutes entities and follows DTD references, so a hostile or broken peer
could make a small message expand into gigabytes ("billion laughs") or have the appliance read a
local file or fetch a URL (external entities). The parser here never substitutes entities, never
loads a DTD, never touches the network and keeps lxml's limits on depth and text size: an entity
in a received message stays an inert, unexpanded reference.

lxml parsers must not be shared between threads (the sandbox servers answer on several), so each
thread gets its own, built with the same options.
"""

from __future__ import annotations

import threading

from lxml import etree

_PER_THREAD = threading.local()


def hardened_parser() -> etree.XMLParser:
    """This thread's parser for untrusted XML (no entities, no DTD, no network, size limits on)."""
    parser: etree.XMLParser | None = getattr(_PER_THREAD, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                 load_dtd=False, dtd_validation=False, attribute_defaults=False)
        _PER_THREAD.parser = parser
    return parser


def parse_untrusted(data: bytes) -> etree._Element:
    """The root element of XML received from the network or a peer.

    :raises etree.XMLSyntaxError: the data is not well-formed XML (as `etree.fromstring`).
    """
    return etree.fromstring(data, hardened_parser())
