"""ITI-41 packaging without a network: MTOM parts and headers, the VIHF signature, the DMP's answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from sync.dmp import mtom
from sync.dmp.response import (
    RegistryError,
    Status,
    classify,
    read_response,
    registry_response,
    soap_fault,
)
from sync.dmp.soap import ITI41_ACTION, ITI41_RESPONSE_ACTION, build_envelope, serialise
from sync.dmp.vihf import SAML, SigningIdentity, VihfClaims, build_vihf, verify_vihf

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PATIENT = "235035121500069^^^&1.2.250.1.213.1.4.10&ISO^NH"
CLAIMS = VihfClaims(structure_id="1750000001", sector="SA17", responsible_id="3750000001/relais",
                    software_name="Relais", software_version="0.1.0", software_id="relais",
                    homologation_id="HOMOLOGATION-TEST", patient_id=PATIENT)


def test_the_mtom_content_type_names_the_root_part_the_xop_type_and_the_soap_action() -> None:
    message = mtom.package(b"<env/>", "root.1@relais", [mtom.Part("doc.1@relais", "text/xml",
                                                                  b"<doc/>")], ITI41_ACTION)
    media_type, params = mtom.header_params(message.content_type)
    assert media_type == "multipart/related"
    assert params["type"] == "application/xop+xml"
    assert params["start"] == "<root.1@relais>"
    assert params["start-info"] == "application/soap+xml"
    assert params["action"] == ITI41_ACTION
    assert b'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"' \
        in message.body
    assert b"Content-ID: <doc.1@relais>" in message.body


def test_binary_parts_come_back_byte_for_byte_whatever_they_contain() -> None:
    payload = bytes(range(256)) * 3 + b"\r\n--MIMEBoundary_x\r\n\r\n"
    message = mtom.package(b"<env/>", "root@r", [mtom.Part("doc@r", "application/pdf", payload)],
                           ITI41_ACTION)
    parsed = mtom.parse(message.content_type, message.body)
    assert parsed.envelope == b"<env/>"
    assert parsed.attachments["doc@r"].data == payload
    assert parsed.action == ITI41_ACTION


@pytest.mark.parametrize(("broken", "reason"), [
    ("start-info", "start-info"), ("type", "xop"), ("start", "start part")])
def test_an_mtom_request_without_its_parameters_is_refused_with_the_reason(broken: str,
                                                                          reason: str) -> None:
    message = mtom.package(b"<env/>", "root@r", [], ITI41_ACTION)
    _, params = mtom.header_params(message.content_type)
    params.pop(broken)
    if broken == "start":
        params["start"] = "<elsewhere@r>"
    header = "multipart/related; " + "; ".join(f'{k}="{v}"' for k, v in params.items())
    with pytest.raises(ValueError, match=reason):
        mtom.parse(header, message.body)


def test_the_vihf_is_signed_and_verifies_against_the_ca_that_issued_the_home_certificate(
        sandbox_pki) -> None:
    identity = SigningIdentity.from_files(sandbox_pki.client_cert, sandbox_pki.client_key)
    assertion = etree.fromstring(etree.tostring(build_vihf(CLAIMS, identity, NOW)))
    signature = assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None and assertion.index(signature) == 1  # right after Issuer
    assert signature.find(".//{http://www.w3.org/2000/09/xmldsig#}CanonicalizationMethod").get(
        "Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    verified = verify_vihf(assertion, sandbox_pki.ca_cert, NOW)
    assert verified.issuer == identity.certificate.subject.rfc4514_string()
    assert verified.attributes["Authentification_Mode"] == "INDIRECTE"
    assert verified.attributes["urn:oasis:names:tc:xacml:2.0:resource:resource-id"] == PATIENT


def test_a_vihf_changed_after_signing_or_signed_under_another_ca_is_refused(sandbox_pki) -> None:
    identity = SigningIdentity.from_files(sandbox_pki.client_cert, sandbox_pki.client_key)
    assertion = build_vihf(CLAIMS, identity, NOW)
    with pytest.raises(ValueError, match="signature"):
        verify_vihf(assertion, sandbox_pki.rogue_ca_cert, NOW)
    resource = next(a for a in assertion.iter(f"{{{SAML}}}Attribute")
                    if a.get("Name", "").endswith("resource-id"))
    resource[0].text = "162018885045327^^^&1.2.250.1.213.1.4.10&ISO^NH"
    with pytest.raises(ValueError, match="Digest mismatch"):
        verify_vihf(assertion, sandbox_pki.ca_cert, NOW)


def test_an_expired_vihf_is_refused(sandbox_pki) -> None:
    identity = SigningIdentity.from_files(sandbox_pki.client_cert, sandbox_pki.client_key)
    assertion = build_vihf(CLAIMS, identity, NOW)
    with pytest.raises(ValueError, match="expired"):
        verify_vihf(assertion, sandbox_pki.ca_cert, NOW + timedelta(hours=1))


def _answer(body: etree._Element) -> bytes:
    return serialise(build_envelope(to="", action=ITI41_RESPONSE_ACTION, assertion=None,
                                    body=body, relates_to="urn:uuid:1"))


def test_a_success_is_accepted_and_a_duplicate_warning_means_already_there() -> None:
    plain = read_response(_answer(registry_response(Status.SUCCESS)))
    assert (plain.accepted, plain.already_present) == (True, False)
    duplicate = read_response(_answer(registry_response(Status.SUCCESS, [
        RegistryError("XDSDuplicateUniqueIdInRegistry", "same", "Warning")])))
    assert (duplicate.accepted, duplicate.already_present) == (True, True)
    as_failure = read_response(_answer(registry_response(Status.FAILURE, [
        RegistryError("XDSDuplicateUniqueIdInRegistry", "same", "Error")])))
    assert (as_failure.accepted, as_failure.already_present) == (True, True)


def test_a_failure_names_its_first_error_and_what_the_home_must_do() -> None:
    outcome = read_response(_answer(registry_response(Status.FAILURE, [
        RegistryError("XDSRegistryMetadataError", "x", "Warning"),
        RegistryError("XDSNonIdenticalHash", "y", "Error")])))
    assert not outcome.accepted
    assert outcome.first_error is not None and outcome.first_error.code == "XDSNonIdenticalHash"
    kind, reason = classify("XDSNonIdenticalHash")
    assert kind.value == "document" and "autre contenu" in reason
    assert classify("XDSRegistryBusy")[0].value == "retry"


def test_a_soap_fault_reads_as_a_refusal_with_its_subcode() -> None:
    outcome = read_response(_answer(soap_fault("wsse:InvalidSecurity", "bad VIHF")))
    assert not outcome.accepted
    assert outcome.first_error is not None and outcome.first_error.code == "InvalidSecurity"
    assert classify("InvalidSecurity")[0].value == "config"
