"""What the DLU, FLUDT and N1 builders write from the record, including empty sections."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime

import pytest
from document_samples import (
    NOW,
    TINY_PDF,
    context,
    corsican_record,
    empty_record,
    full_record,
    transfer,
)
from lxml import etree

from edge.documents import (
    Attachment,
    AttachmentRefused,
    Professional,
    build_dlu,
    build_fludt,
    build_n1,
)
from edge.documents.codes import LOINC, Code

HL7 = {"h": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
N1_TYPE = Code("57833-6", LOINC, "Prescription de produits de santé")


def xpath(xml: bytes, path: str) -> list:
    return etree.fromstring(xml).xpath(path, namespaces=HL7)


def section(template: str) -> str:
    return f"//h:section[h:templateId/@root='{template}']"


def test_building_twice_gives_the_same_bytes_and_unique_entry_ids() -> None:
    first = build_dlu(full_record(), context("full", "dlu"))
    assert first == build_dlu(full_record(), context("full", "dlu"))
    ids = xpath(first, "//h:structuredBody//h:id[not(@extension)]/@root")
    assert len(ids) == len(set(ids)) > 20
    other = build_dlu(full_record(), context("empty", "dlu"))
    assert not set(ids) & set(xpath(other, "//h:structuredBody//h:id[not(@extension)]/@root"))


def test_an_empty_record_says_nothing_is_known_about_allergies_and_treatments() -> None:
    xml = build_dlu(empty_record(), context("empty", "dlu"))
    assert xpath(xml, f"{section('1.3.6.1.4.1.19376.1.5.3.1.3.13')}//h:observation"
                      "/h:value/@code") == ["no-allergy-info"]
    assert xpath(xml, f"{section('1.3.6.1.4.1.19376.1.5.3.1.3.19')}"
                      "//h:substanceAdministration/h:code/@code") == ["no-medication-info"]
    assert xpath(xml, "//h:participant[@typeCode='INF']/h:associatedEntity/h:id/@nullFlavor"
                 ) == ["NASK"]
    assert xpath(xml, section("1.3.6.1.4.1.19376.1.5.3.1.3.36")) == []


def test_a_record_checked_empty_says_no_known_allergy_and_no_treatment() -> None:
    xml = build_dlu(corsican_record(), context("corsican", "dlu"))
    assert xpath(xml, "//h:observation/h:value[@code='no-known-allergies']/@xsi:type") == ["CD"]
    assert xpath(xml, "//h:substanceAdministration/h:code/@code") == ["no-known-medications"]


def test_every_recorded_allergy_and_treatment_becomes_an_entry() -> None:
    record = full_record()
    xml = build_dlu(record, context("full", "dlu"))
    allergies = xpath(xml, "//h:observation[h:templateId/@root='1.3.6.1.4.1.19376.1.5.3.1.4.6']")
    assert len(allergies) == len(record.allergies)
    assert xpath(xml, "//h:manufacturedMaterial/h:code/@code") == ["63366613"]
    assert xpath(xml, "//h:manufacturedMaterial/h:name/text()") == [
        t.label for t in record.treatments]


def test_directives_say_whether_they_exist_and_other_wishes_carry_no_value() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    directives = section("1.3.6.1.4.1.19376.1.5.3.1.3.35")
    assert xpath(xml, f"{directives}//h:observation[h:code/@code='42348-3']/h:value/@value"
                 ) == ["true"]
    assert xpath(xml, f"{directives}//h:observation[h:code/@code='75793-0']/h:value") == []
    unknown = build_dlu(empty_record(), context("empty", "dlu"))
    assert xpath(unknown, f"{directives}//h:observation/h:value/@nullFlavor") == ["NASK"]


def test_palliative_care_refused_is_a_negated_act() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    assert xpath(xml, "//h:procedure[h:code/@code='103735009']/@negationInd") == ["true"]


def test_every_resident_state_item_is_listed_known_or_not() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    values = xpath(xml, f"{section('1.3.6.1.4.1.19376.1.7.3.1.1.13.7')}//h:observation/h:value")
    assert len(values) == 15
    assert sorted(v.get("value") or v.get("nullFlavor") for v in values) == (
        ["NASK"] * 12 + ["false", "true", "true"])


def test_an_annexed_pdf_is_embedded_with_its_checklist_code() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    media = xpath(xml, "//h:observationMedia/h:value/text()")
    assert [base64.b64decode(m) for m in media] == [TINY_PDF]
    assert xpath(xml, "//h:observation[h:templateId/@root='1.2.250.1.213.1.1.3.48.18']"
                      "/h:value/@code") == ["DLU_011"]


def test_the_fludt_takes_the_latest_value_of_each_vital_sign() -> None:
    xml = build_fludt(full_record(), transfer(), context("full", "fludt"))
    assert xpath(xml, "//h:observation[h:code/@code='8867-4']/h:value/@value") == ["82"]
    assert xpath(xml, "//h:observation[h:code/@code='20564-1']/h:value/@unit") == ["%"]
    assert xpath(xml, "//h:organizer[h:code/@code='85353-1']/h:effectiveTime/@value") == [
        "20261120123000+0100"]


def test_vital_signs_never_measured_are_written_as_not_available() -> None:
    xml = build_fludt(empty_record(), transfer(full=False), context("empty", "fludt"))
    values = xpath(xml, "//h:organizer//h:observation/h:value")
    assert [(v.get("nullFlavor"), v.get(f"{{{HL7['xsi']}}}type")) for v in values] == [
        ("NAV", "PQ")] * 5
    assert xpath(xml, "//h:observation[h:code/@code='GEN-244']/h:effectiveTime/@nullFlavor"
                 ) == ["UNK"]
    assert xpath(xml, "//h:observation[h:templateId/@root='1.2.250.1.213.1.1.3.12']"
                      "/h:value/@value") == ["false"]


def test_the_transfer_is_an_intent_towards_the_destination() -> None:
    xml = build_fludt(full_record(), transfer(), context("full", "fludt"))
    act = "//h:act[h:code/@code='80413-8']"
    assert xpath(xml, f"{act}/@moodCode") == ["INT"]
    assert xpath(xml, f"{act}//h:playingEntity/h:name/text()") == [
        "Hôpital Saint-Antoine — urgences"]
    assert xpath(xml, "//h:serviceEvent/h:effectiveTime/h:low/@value") == [
        "20261120145000+0100"]


def test_an_author_without_national_id_gets_the_home_internal_identifier() -> None:
    xml = build_dlu(full_record(), context("full", "dlu"))
    assert xpath(xml, "//h:assignedAuthor/h:id/@extension") == ["3750000001/IDE042"]
    assert xpath(xml, "//h:legalAuthenticator//h:id[@root='1.2.250.1.71.4.2.1']/@extension"
                 ) == ["810000000001"]
    assert xpath(xml, "//h:healthCareFacility/h:code/@code") == ["SA17"]
    assert xpath(xml, "//h:representedCustodianOrganization/h:id/@extension") == ["1750000001"]


def test_an_author_with_no_identifier_at_all_is_written_as_unknown() -> None:
    anonymous = Professional("X", "Y")
    xml = build_dlu(full_record(), replace(context("full", "dlu"), author=anonymous))
    assert xpath(xml, "//h:assignedAuthor/h:id/@nullFlavor") == ["UNK"]


def test_the_n1_wraps_the_pdf_in_base64_with_the_three_templates() -> None:
    record = full_record()
    xml = build_n1(record.identity, record.care_home,
                   Attachment("Ordonnance", N1_TYPE, TINY_PDF, NOW), context("full", "n1"))
    assert xpath(xml, "/h:ClinicalDocument/h:templateId/@root") == [
        "2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1", "1.3.6.1.4.1.19376.1.2.20"]
    assert base64.b64decode(xpath(xml, "//h:nonXMLBody/h:text/text()")[0]) == TINY_PDF
    assert xpath(xml, "/h:ClinicalDocument/h:code/@code") == ["57833-6"]


def test_the_n1_refuses_a_file_that_is_not_a_pdf() -> None:
    record = full_record()
    with pytest.raises(AttachmentRefused):
        build_n1(record.identity, record.care_home,
                 Attachment("Photo", N1_TYPE, b"\x89PNG\r\n", NOW), context("full", "n1"))


def test_a_time_without_time_zone_is_refused() -> None:
    naive = replace(context("full", "dlu"), effective_time=datetime(2026, 11, 20, 14, 30))
    with pytest.raises(ValueError, match="fuseau|time zone"):
        build_dlu(full_record(), naive)
