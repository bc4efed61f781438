"""The IHE DSG signature of each ITI-41 submission, and the sandbox DMP's checks of it and of the
CDA schema (NATIONAL.md §2.10 items 6 and 7), against the sandbox's real HTTPS server."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from lxml import etree
from sync_samples import admit, queue_n1

from edge import Destination, StoredDocument, claim_next, load_document
from sync.dmp import DmpAdapter, mtom, transport
from sync.dmp.dsg import sign_submission
from sync.dmp.response import ErrorClass, RegistryOutcome, classify, read_response
from sync.dmp.soap import ITI41_ACTION, SOAP12, XDSB, XOP, serialise
from sync.dmp.vihf import SigningIdentity
from sync.ebrs import RIM, metadata_xml
from sync.errors import DeliveryRefused
from sync.sandbox.cda_checks import load_cda_schema
from sync.sandbox.dmp import SandboxDmp
from sync.sandbox.dmp_signature import verify_dsg
from sync.wiring import dmp_adapter

pytestmark = pytest.mark.integration
NS = {"rim": RIM, "xdsb": XDSB, "xop": XOP}
DSG_CLASS = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"
SCHEMES = {"class": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
           "type": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
           "format": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
           "event": "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"}
SIGNS = "urn:ihe:iti:2007:AssociationType:signs"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"


def _adapter(dmp_sandbox, settings, **overrides) -> DmpAdapter:  # type: ignore[no-untyped-def]
    return dmp_adapter(dmp_sandbox.adapter_settings(settings, **overrides),
                       lambda: datetime.now(UTC))


def _queued(db, number: int) -> StoredDocument:  # type: ignore[no-untyped-def]
    return load_document(db, queue_n1(db, admit(db, number), f"{number}1"))


class Opened:
    """A packaged request taken apart: the SOAP envelope and the MTOM parts by Content-ID."""

    def __init__(self, message: mtom.MtomMessage) -> None:
        parsed = mtom.parse(message.content_type, message.body)
        self.envelope = etree.fromstring(parsed.envelope)
        self.parts = {cid: part.data for cid, part in parsed.attachments.items()}
        self.objects = self.envelope.find(".//rim:RegistryObjectList", NS)

    def signature(self) -> etree._Element:
        found = [node for node in self.objects.iterfind("rim:ExtrinsicObject", NS)
                 if self.code(node, "class") == DSG_CLASS]
        assert len(found) == 1
        return found[0]

    def code(self, node: etree._Element, scheme: str) -> str:
        codes = [c.get("nodeRepresentation") for c in node.iterfind("rim:Classification", NS)
                 if c.get("classificationScheme") == SCHEMES[scheme]]
        return codes[0] if len(codes) == 1 else f"{len(codes)} codes"

    def content_id(self, entry_uuid: str) -> str:
        include = self.envelope.find(f".//xdsb:Document[@id='{entry_uuid}']/xop:Include", NS)
        return include.get("href").removeprefix("cid:")

    def set_bytes(self, entry_uuid: str, data: bytes) -> None:
        """Put other bytes in an entry's part and make its hash and size slots agree with them."""
        self.parts[self.content_id(entry_uuid)] = data
        entry = self.objects.find(f"rim:ExtrinsicObject[@id='{entry_uuid}']", NS)
        for name, value in (("hash", hashlib.sha1(data).hexdigest()), ("size", str(len(data)))):
            entry.find(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value", NS).text = value

    def package(self) -> mtom.MtomMessage:
        parts = [mtom.Part(cid, "text/xml", data) for cid, data in self.parts.items()]
        return mtom.package(serialise(self.envelope), "root.test@relais", parts, ITI41_ACTION)


def _post(adapter: DmpAdapter, message: mtom.MtomMessage) -> RegistryOutcome:
    answer = transport.post(adapter.config.url, adapter.config.tls,
                            content_type=message.content_type, body=message.body,
                            action=ITI41_ACTION, timeout=10)
    return read_response(answer.body)


def _codes(outcome: RegistryOutcome) -> set[str]:
    return {error.code for error in outcome.errors if error.is_error}


def _infoset(opened: Opened) -> etree._Element:
    """The ITI-41 body with each xop:Include replaced by the base64 of its part (what XOP means)."""
    body = etree.fromstring(etree.tostring(opened.envelope.find(f"{{{SOAP12}}}Body")[0]))
    for document in body.iterfind("xdsb:Document", NS):
        include = document.find("xop:Include", NS)
        document.remove(include)
        document.text = base64.b64encode(
            opened.parts[include.get("href").removeprefix("cid:")]).decode()
    return body


def test_the_submission_carries_a_signature_entry_with_hasmember_and_signs_and_is_valid_xds_b(
        db, settings, dmp_sandbox, xds_schema) -> None:
    document = _queued(db, 1)
    opened = Opened(_adapter(dmp_sandbox, settings).request(document))
    signature = opened.signature()
    sig_id = signature.get("id")
    ss_id = document.metadata.submission_set.entry_uuid
    assert signature.get("mimeType") == "text/xml"
    assert [opened.code(signature, s) for s in ("type", "format", "event")] == [
        "E1762", "http://www.w3.org/2000/09/xmldsig#", "1.2.840.10065.1.12.1.14"]
    class_scheme = signature.find(f"rim:Classification[@classificationScheme="
                                  f"'{SCHEMES['class']}']/rim:Slot/rim:ValueList/rim:Value", NS)
    assert class_scheme.text == "URN"
    identifiers = {e.get("identificationScheme")[-12:]: e.get("value")
                   for e in signature.iterfind("rim:ExternalIdentifier", NS)}
    assert identifiers["a8ffeff98427"] == document.metadata.entry.patient_id
    assert identifiers["8640a32e42ab"] != document.unique_id
    slots = {s.get("name") for s in signature.iterfind("rim:Slot", NS)}
    assert {"creationTime", "languageCode", "serviceStartTime", "sourcePatientId", "hash",
            "size"} <= slots
    associations = {(a.get("associationType"), a.get("sourceObject"), a.get("targetObject"))
                    for a in opened.objects.iterfind("rim:Association", NS)}
    assert (SIGNS, sig_id, ss_id) in associations
    assert (HAS_MEMBER, ss_id, sig_id) in associations
    assert (HAS_MEMBER, ss_id, document.metadata.entry.entry_uuid) in associations
    assert opened.parts[opened.content_id(sig_id)].startswith(b"<?xml")
    assert xds_schema.validate(_infoset(opened)), xds_schema.error_log
    assert b"E1762" not in metadata_xml(document.metadata)  # the XDM METADATA.XML is unsigned


def test_the_signature_verifies_against_the_test_ca_and_its_manifest_digests_the_document(
        db, settings, dmp_sandbox) -> None:
    document = _queued(db, 2)
    opened = Opened(_adapter(dmp_sandbox, settings).request(document))
    content = opened.parts[opened.content_id(opened.signature().get("id"))]
    verified = verify_dsg(content, dmp_sandbox.pki.ca_cert)
    assert verified.digests == {f"urn:oid:{document.unique_id}": base64.b64encode(
        hashlib.sha256(document.content).digest()).decode()}
    home = SigningIdentity.from_files(dmp_sandbox.pki.client_cert, dmp_sandbox.pki.client_key)
    assert verified.signer_subject == home.certificate.subject.rfc4514_string()
    root = etree.fromstring(content)
    assert root.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert b"1.2.840.10065.1.12.1.14" in content and b"SigningTime" in content
    with pytest.raises(ValueError, match="signature invalid"):
        verify_dsg(content, dmp_sandbox.pki.rogue_ca_cert)


def test_sending_the_same_submission_again_carries_the_same_signature_and_counts_once(
        db, settings, dmp_sandbox) -> None:
    document = _queued(db, 3)
    adapter = _adapter(dmp_sandbox, settings)
    first, again = Opened(adapter.request(document)), Opened(adapter.request(document))
    signatures = [o.parts[o.content_id(o.signature().get("id"))] for o in (first, again)]
    assert signatures[0] == signatures[1]
    row = claim_next(db, "test", Destination.DMP)
    receipts = [adapter.deliver(row, document) for _ in range(2)]
    assert [r.already_present for r in receipts] == [False, True]
    assert list(dmp_sandbox.server.store.signature_counts().values()) == [2]
    assert list(dmp_sandbox.server.store.registration_counts().values()) == [1]


def test_a_document_changed_after_signing_is_refused_with_a_digest_mismatch(
        db, settings, dmp_sandbox) -> None:
    document = _queued(db, 4)
    adapter = _adapter(dmp_sandbox, settings)
    opened = Opened(adapter.request(document))
    entry_uuid = document.metadata.entry.entry_uuid
    opened.set_bytes(entry_uuid, document.content + b"<!-- changed in transit -->")
    outcome = _post(adapter, opened.package())
    assert not outcome.accepted
    assert _codes(outcome) == {"DSGDigestMismatch"}  # hash and size were made to agree
    assert dmp_sandbox.server.store.registration_counts() == {}
    assert classify("DSGDigestMismatch")[0] is ErrorClass.DOCUMENT


@pytest.mark.parametrize("removed", ["signature", "signs"])
def test_a_submission_without_its_signature_or_its_signs_association_is_refused(
        db, settings, dmp_sandbox, removed: str) -> None:
    document = _queued(db, 5)
    adapter = _adapter(dmp_sandbox, settings)
    opened = Opened(adapter.request(document))
    sig_id = opened.signature().get("id")
    doomed = [a for a in opened.objects.iterfind("rim:Association", NS)
              if a.get("associationType") == SIGNS]
    if removed == "signature":
        doomed += [opened.signature()] + [
            a for a in opened.objects.iterfind("rim:Association", NS)
            if a.get("targetObject") == sig_id]
        node = opened.envelope.find(f".//xdsb:Document[@id='{sig_id}']", NS)
        del opened.parts[opened.content_id(sig_id)]
        node.getparent().remove(node)
    for element in doomed:
        element.getparent().remove(element)
    outcome = _post(adapter, opened.package())
    assert not outcome.accepted
    assert outcome.first_error is not None and outcome.first_error.code == "DSGSignatureMissing"
    assert dmp_sandbox.server.store.registration_counts() == {}


def test_a_signature_made_with_a_certificate_of_another_ca_is_refused(
        db, settings, dmp_sandbox) -> None:
    document = _queued(db, 6)
    adapter = _adapter(dmp_sandbox, settings)
    opened = Opened(adapter.request(document))
    rogue = SigningIdentity.from_files(dmp_sandbox.pki.rogue_cert, dmp_sandbox.pki.rogue_key)
    opened.set_bytes(opened.signature().get("id"),
                     sign_submission(document.metadata, document.content, rogue).content)
    outcome = _post(adapter, opened.package())
    assert _codes(outcome) == {"DSGSignatureInvalid"}
    assert classify("DSGSignatureInvalid")[0] is ErrorClass.CONFIGURATION


def _schema_invalid(document: StoredDocument) -> StoredDocument:
    """The same document with an element the CDA schema does not allow, its metadata agreeing."""
    root = etree.fromstring(document.content)
    root.insert(0, etree.Element("{urn:hl7-org:v3}unexpected"))
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    entry = replace(document.metadata.entry, hash=hashlib.sha1(content).hexdigest(),
                    size=len(content))
    return replace(document, content=content, metadata=replace(document.metadata, entry=entry))


def test_a_cda_failing_the_xsd_is_refused_by_the_sandbox_when_the_schema_is_configured(
        db, settings, dmp_sandbox, tmp_path, xds_schema) -> None:
    invalid = _schema_invalid(_queued(db, 7))
    row = claim_next(db, "test", Destination.DMP)
    with pytest.raises(DeliveryRefused) as refused:
        _adapter(dmp_sandbox, settings).deliver(row, invalid)
    assert refused.value.code == "XDSInvalidDocumentContent"
    assert dmp_sandbox.server.store.registration_counts() == {}
    without = SandboxDmp(tmp_path / "no-cda-schema", dmp_sandbox.pki, schema=xds_schema).start()
    try:
        receipt = _adapter(dmp_sandbox, settings, dmp_url=without.url).deliver(row, invalid)
    finally:
        without.stop()
    assert receipt.acknowledged  # only the configured schema tells it apart


def test_a_cda_schema_that_cannot_be_read_is_reported_with_its_path(tmp_path) -> None:
    (tmp_path / "broken.xsd").write_text("<not-a-schema/>", encoding="utf-8")
    for name in ("missing.xsd", "broken.xsd"):
        with pytest.raises(ValueError, match=f"{name} cannot be loaded"):
            load_cda_schema(str(tmp_path / name))
