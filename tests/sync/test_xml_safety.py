"""The hardened parser for received XML: entities stay inert, nothing is read or fetched."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from sync.dmp.response import read_response
from sync.xml_safety import hardened_parser, parse_untrusted

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
          b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
          b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
          b']><r>&e;</r>')


def _external(secret: Path, element: str = "r") -> bytes:
    return (f'<!DOCTYPE {element} [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
            f'<{element}>&x;</{element}>').encode()


def test_an_entity_expansion_bomb_stays_one_unexpanded_reference() -> None:
    assert len(etree.fromstring(LAUGHS).text or "") == 100_000  # what the default parser does
    root = parse_untrusted(LAUGHS)
    assert root.text is None
    assert etree.tostring(root) == b"<r>&e;</r>"


def test_an_external_entity_never_reads_the_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-DU-COFFRE", encoding="utf-8")
    root = parse_untrusted(_external(secret))
    assert b"MOT-DE-PASSE" not in etree.tostring(root)
    assert "".join(root.itertext()) == "&x;"  # the reference itself, never its content


def test_a_dmp_answer_carrying_an_external_entity_does_not_leak_the_file_into_the_reason(
        tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-DU-COFFRE", encoding="utf-8")
    answer = (f'<!DOCTYPE e:Envelope [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
              '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault>'
              '<e:Code><e:Value>e:Receiver</e:Value></e:Code>'
              '<e:Reason><e:Text xml:lang="fr">&x;</e:Text></e:Reason>'
              '</e:Fault></e:Body></e:Envelope>').encode()
    outcome = read_response(answer)
    assert not outcome.accepted
    assert outcome.first_error is not None
    assert "MOT-DE-PASSE" not in outcome.first_error.context


def test_each_thread_gets_its_own_parser_with_the_same_options() -> None:
    seen: list[etree.XMLParser] = []
    worker = threading.Thread(target=lambda: seen.append(hardened_parser()))
    worker.start()
    worker.join()
    assert hardened_parser() is hardened_parser()
    assert seen[0] is not hardened_parser()
    assert etree.tostring(etree.fromstring(LAUGHS, seen[0])) == b"<r>&e;</r>"
