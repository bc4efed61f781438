"""The ebRS SubmitObjectsRequest of a document's metadata, against the OASIS lcm.xsd schema."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from edge import DocumentKind, Recipient, RecipientKind, Replacement, Visibility
from edge.documents import (
    Address,
    CareHome,
    DocumentContext,
    IdentityStatus,
    Ins,
    InstanceId,
    PatientIdentity,
    Professional,
    ResidentRecord,
    build_dlu,
    build_metadata,
)
from edge.documents.codes import DOCTOR, NURSE, Sex
from sync.ebrs import RIM, metadata_xml, submit_objects_request

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NS = {"rim": RIM}
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=timezone(timedelta(hours=1)))
HOME = CareHome("EHPAD Les Tilleuls", "750000001", Address("12 rue des Lilas", "75011", "PARIS"),
                "01 43 00 00 00")


def metadata(status: IdentityStatus = IdentityStatus.QUAL, **options):
    identity = PatientIdentity("BÉRANGER", ("MARIE", "HÉLÈNE"), date(1938, 5, 2), Sex.F, "75056",
                               InstanceId("1.2.250.1.999.1.1.1", "IPP0001"), status,
                               Ins("238057505612313", "1.2.250.1.213.1.4.10"))
    context = DocumentContext(InstanceId("1.2.250.1.999.1.1.2.1"),
                              InstanceId("1.2.250.1.999.1.1.2"), 1, NOW,
                              Professional("MARTIN", "Sophie", NURSE, local_id="IDE042"),
                              Professional("DURAND", "Paul", DOCTOR,
                                           national_id="810000000001"))
    xml = build_dlu(ResidentRecord(identity, HOME), context)
    return build_metadata(xml, DocumentKind.DLU, identity, HOME, submission_time=NOW, **options)


@pytest.fixture(scope="module")
def lcm() -> etree.XMLSchema:
    path = SHARED / "specs" / "xds" / "schema" / "ebRS" / "lcm.xsd"
    if not path.is_file():
        pytest.skip("../shared/ is absent: the OASIS ebRS 3.0 schemas validate the request")
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.mark.parametrize("options", [
    {},
    {"visibility": [Visibility.HIDDEN_FROM_PATIENT],
     "recipients": [Recipient("urgences@ch.mssante.fr", RecipientKind.ORGANISATION)]},
    {"replaces": Replacement("1.2.3.4", "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427")},
], ids=["original", "visibility-and-recipient", "replacement"])
def test_the_request_is_valid_against_lcm_xsd(lcm: etree.XMLSchema, options: dict) -> None:
    document = etree.fromstring(metadata_xml(metadata(**options), uri="DOC0001.XML"))
    assert lcm.validate(document), lcm.error_log


def test_the_schema_refuses_a_request_whose_association_lacks_its_target(
        lcm: etree.XMLSchema) -> None:
    request = submit_objects_request(metadata())
    association = request.find(".//rim:Association", NS)
    del association.attrib["targetObject"]
    assert not lcm.validate(request)


def test_every_required_classification_and_identifier_is_present_once() -> None:
    meta = metadata(visibility=[Visibility.HIDDEN_FROM_PROFESSIONALS])
    request = submit_objects_request(meta)
    entry = request.find(".//rim:ExtrinsicObject", NS)
    schemes = [c.get("classificationScheme") for c in entry.findall("rim:Classification", NS)]
    for scheme in ("41a5887f", "a09d5840", "f33fb8ac", "cccf5598", "f0306f51", "93606bcf"):
        assert sum(scheme in s for s in schemes) == 1, scheme
    assert sum("f4f85eac" in s for s in schemes) == 2
    identifiers = {e.get("identificationScheme")[-12:]: e.get("value")
                   for e in request.iter(f"{{{RIM}}}ExternalIdentifier")}
    assert identifiers["a8ffeff98427"] == meta.entry.patient_id
    assert identifiers["8640a32e42ab"] == meta.entry.unique_id
    assert identifiers["bf5ee74998a8"] == meta.submission_set.unique_id


def test_slots_carry_hash_size_and_the_xdm_uri() -> None:
    meta = metadata()
    entry = submit_objects_request(meta, uri="DOC0001.XML").find(".//rim:ExtrinsicObject", NS)
    slots = {s.get("name"): [v.text for v in s.iter(f"{{{RIM}}}Value")]
             for s in entry.findall("rim:Slot", NS)}
    assert slots["hash"] == [meta.entry.hash]
    assert slots["size"] == [str(meta.entry.size)]
    assert slots["URI"] == ["DOC0001.XML"]
    assert slots["creationTime"] == ["20261120133000"]
    assert "URI" not in {s.get("name") for s in submit_objects_request(meta).iter(
        f"{{{RIM}}}Slot")}


def test_a_replacement_carries_an_rplc_association_to_the_old_entry() -> None:
    old = "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    request = submit_objects_request(metadata(replaces=Replacement("1.2.3.4", old)))
    kinds = {a.get("associationType").rsplit(":", 1)[1]: a
             for a in request.findall(".//rim:Association", NS)}
    assert kinds["RPLC"].get("targetObject") == old
    assert kinds["HasMember"].find("rim:Slot/rim:ValueList/rim:Value", NS).text == "Original"


def test_the_matricule_of_a_non_qualified_identity_is_not_in_the_request() -> None:
    xml = metadata_xml(metadata(IdentityStatus.RECUP))
    assert b"238057505612313" not in xml
    assert b"IPP0001^^^&amp;1.2.250.1.999.1.1.1&amp;ISO^PI" in xml
