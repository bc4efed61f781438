"""The VIHF: the SAML 2.0 assertion that tells the DMP who sends, for which patient and why.

Built for automated feeding on behalf of the home (indirect authentication, NATIONAL.md §2.7) and
signed with the home's certificate (XML-DSig enveloped signature, exclusive canonicalisation,
RSA-SHA256). `verify_vihf` is the check the sandbox DMP makes: the signature holds, the signing
certificate chains to the trusted CA, the Issuer names that certificate, and the mandatory
attributes are there.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import ExtensionPolicy
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidInput, InvalidSignature

from sync.errors import ConfigurationIncomplete
from sync.xml_safety import hardened_parser

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
HL7 = "urn:hl7-org:v3"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
SENDER_VOUCHES = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
AUTHN_TLS_CLIENT = "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient"
VIHF_VERSION = "4.0"
SECTOR_OID = "1.2.250.1.71.4.2.4"
PURPOSE_OF_USE_SYSTEM = "1.2.250.1.213.1.1.4.248"
# The role of an automaton: NATIONAL.md §2.7 names the code AUTOMATE but not its code system [U].
AUTOMATON_ROLE = ("AUTOMATE", "1.2.250.1.213.1.1.4.6", "Automate")
ASSERTION_LIFETIME = timedelta(minutes=10)

ATTR_SUBJECT_ID = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
ATTR_ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
ATTR_RESOURCE_ID = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"
ATTR_PURPOSE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
MANDATORY_ATTRIBUTES = (
    "VIHF_Version", "Authentification_Mode", "Identifiant_Structure", "Secteur_Activite",
    ATTR_SUBJECT_ID, ATTR_ROLE, ATTR_RESOURCE_ID, "Ressource_URN", ATTR_PURPOSE,
    "LPS_ID", "LPS_Nom", "LPS_Version", "LPS_ID_HOMOLOGATION_DMP",
)


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """The home's signing certificate and key (the certificat de cachet), loaded once."""

    cert_pem: bytes
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @classmethod
    def from_files(cls, cert: Path, key: Path) -> SigningIdentity:
        """
        :raises ConfigurationIncomplete: a file is missing or unreadable, or the key is not RSA.
        """
        try:
            cert_pem = cert.read_bytes()
            loaded = serialization.load_pem_private_key(key.read_bytes(), password=None)
            certificate = x509.load_pem_x509_certificate(cert_pem)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigurationIncomplete(
                "Le certificat de signature de l'établissement est absent ou illisible : "
                "un administrateur doit l'installer.") from exc
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ConfigurationIncomplete(
                "La clé du certificat de signature n'est pas une clé RSA : un administrateur doit "
                "installer le certificat de cachet de l'établissement.")
        return cls(cert_pem, certificate, loaded)


@dataclass(frozen=True, slots=True)
class VihfClaims:
    """What the assertion says: the structure, the software, and the patient concerned.

    :param patient_id: the patient's INS as an XDS CX (``<matricule>^^^&<OID>&ISO^NH``).
    :param sector: the activity sector code (J61, e.g. ``SA17``).
    """

    structure_id: str
    sector: str
    responsible_id: str
    software_name: str
    software_version: str
    software_id: str
    homologation_id: str
    patient_id: str


@dataclass(frozen=True, slots=True)
class VerifiedVihf:
    """What the sandbox learnt from a valid assertion."""

    issuer: str
    signer_subject: str
    attributes: dict[str, str]


def _attribute(statement: etree._Element, name: str, value: str | etree._Element) -> None:
    attribute = etree.SubElement(statement, f"{{{SAML}}}Attribute", Name=name)
    node = etree.SubElement(attribute, f"{{{SAML}}}AttributeValue")
    if isinstance(value, str):
        node.text = value
    else:
        node.append(value)


def _coded(tag: str, code: str, system: str, display: str | None = None) -> etree._Element:
    element = etree.Element(f"{{{HL7}}}{tag}", nsmap={None: HL7, "xsi": XSI})
    element.set(f"{{{XSI}}}type", "CE")
    element.set("code", code)
    element.set("codeSystem", system)
    if display:
        element.set("displayName", display)
    return element


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_vihf(claims: VihfClaims, identity: SigningIdentity, now: datetime) -> etree._Element:
    """The signed assertion, ready to go into the WS-Security header.

    :param now: the current time (aware, UTC), passed in by the caller.
    """
    assertion_id = f"_{uuid.uuid4()}"
    issuer_dn = identity.certificate.subject.rfc4514_string()
    assertion = etree.Element(f"{{{SAML}}}Assertion", nsmap={"saml2": SAML},
                              ID=assertion_id, IssueInstant=_instant(now), Version="2.0")
    etree.SubElement(assertion, f"{{{SAML}}}Issuer", Format=X509_SUBJECT).text = issuer_dn
    etree.SubElement(assertion, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id="placeholder")
    subject = etree.SubElement(assertion, f"{{{SAML}}}Subject")
    etree.SubElement(subject, f"{{{SAML}}}NameID", Format=NAMEID_UNSPECIFIED).text = \
        claims.responsible_id
    etree.SubElement(subject, f"{{{SAML}}}SubjectConfirmation", Method=SENDER_VOUCHES)
    etree.SubElement(assertion, f"{{{SAML}}}Conditions", NotBefore=_instant(now),
                     NotOnOrAfter=_instant(now + ASSERTION_LIFETIME))
    authn = etree.SubElement(assertion, f"{{{SAML}}}AuthnStatement", AuthnInstant=_instant(now))
    context = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
    etree.SubElement(context, f"{{{SAML}}}AuthnContextClassRef").text = AUTHN_TLS_CLIENT
    statement = etree.SubElement(assertion, f"{{{SAML}}}AttributeStatement")
    _attribute(statement, "VIHF_Version", VIHF_VERSION)
    _attribute(statement, "Authentification_Mode", "INDIRECTE")
    _attribute(statement, "Identifiant_Structure", claims.structure_id)
    _attribute(statement, "Secteur_Activite", f"{claims.sector}^{SECTOR_OID}")
    _attribute(statement, ATTR_SUBJECT_ID, claims.software_name)
    _attribute(statement, ATTR_ROLE, _coded("Role", *AUTOMATON_ROLE))
    _attribute(statement, ATTR_RESOURCE_ID, claims.patient_id)
    _attribute(statement, "Ressource_URN", "urn:dmp")
    _attribute(statement, ATTR_PURPOSE, _coded("PurposeOfUse", "normal", PURPOSE_OF_USE_SYSTEM))
    _attribute(statement, "LPS_ID", claims.software_id)
    _attribute(statement, "LPS_Nom", claims.software_name)
    _attribute(statement, "LPS_Version", claims.software_version)
    _attribute(statement, "LPS_ID_HOMOLOGATION_DMP", claims.homologation_id)
    signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed: etree._Element = signer.sign(assertion, key=identity.key, cert=identity.cert_pem.decode(),
                                         reference_uri=assertion_id, id_attribute="ID")
    return signed


def attribute_values(assertion: etree._Element) -> dict[str, str]:
    """Attribute name → text value (coded values as ``code^codeSystem``)."""
    values: dict[str, str] = {}
    for attribute in assertion.iterfind(f".//{{{SAML}}}Attribute"):
        node = attribute.find(f"{{{SAML}}}AttributeValue")
        if node is None:
            continue
        child = next(iter(node), None)
        if child is not None:
            values[attribute.get("Name", "")] = f"{child.get('code')}^{child.get('codeSystem')}"
        else:
            values[attribute.get("Name", "")] = (node.text or "").strip()
    return values


def _signer_subject(signature: etree._Element) -> str:
    text = signature.findtext(f".//{{{DS}}}X509Certificate") or ""
    der = base64.b64decode("".join(text.split()))
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def verify_vihf(assertion: etree._Element, ca_pem_file: Path, now: datetime) -> VerifiedVihf:
    """Check a received assertion as the DMP would.

    :raises ValueError: with the reason, when the signature, the certificate or an attribute is wrong.
    """
    data = etree.tostring(assertion)
    policy = ExtensionPolicy.permit_all()
    config = SignatureConfiguration(expect_references=1, location="./",
                                    signature_methods=frozenset({SignatureMethod.RSA_SHA256}))
    try:
        result = XMLVerifier().verify(
            data, ca_pem_file=str(ca_pem_file), id_attribute="ID", expect_config=config,
            parser=hardened_parser(),
            ee_policy=policy, ca_policy=ExtensionPolicy.webpki_defaults_ca())
    except (InvalidSignature, InvalidInput) as exc:
        raise ValueError(f"VIHF signature invalid: {exc}") from exc
    if isinstance(result, list):
        raise ValueError("VIHF carries more than one signature")
    signed = result.signed_xml
    if signed is None or signed.get("ID") != assertion.get("ID"):
        raise ValueError("VIHF signature does not cover the assertion")
    signer_subject = _signer_subject(result.signature_xml)
    issuer = (assertion.findtext(f"{{{SAML}}}Issuer") or "").strip()
    if issuer != signer_subject:
        raise ValueError("VIHF Issuer does not name the signing certificate")
    conditions = assertion.find(f"{{{SAML}}}Conditions")
    if conditions is not None:
        not_after = conditions.get("NotOnOrAfter", "")
        if not_after and not_after <= _instant(now):
            raise ValueError("VIHF has expired")
    values = attribute_values(signed)
    missing = [name for name in MANDATORY_ATTRIBUTES if not values.get(name)]
    if missing:
        raise ValueError(f"VIHF lacks the attributes {', '.join(missing)}")
    return VerifiedVihf(issuer, signer_subject, values)
