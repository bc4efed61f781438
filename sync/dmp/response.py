"""The DMP's answer: an ebRS RegistryResponse (or a SOAP fault) read into what the loop must do.

No official DMP error catalogue is public (NATIONAL.md §2.8); the codes are the IHE XDS.b ones the
registry and repository use, each with what it means for the home in plain French and whether
trying again can help. An "already there" answer for the same document (the registry holds the
same unique id with the same hash: a sending whose answer the appliance never heard) counts as
delivered; the same unique id with other content is a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from sync.dmp.soap import RS, SOAP12, body_child
from sync.xml_safety import parse_untrusted

RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
STATUS_PREFIX = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:"
SEVERITY_PREFIX = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:"
ALREADY_PRESENT = "XDSDuplicateUniqueIdInRegistry"


class Status(StrEnum):
    SUCCESS = "Success"
    FAILURE = "Failure"
    PARTIAL_SUCCESS = "PartialSuccess"


class ErrorClass(StrEnum):
    """What a refusal asks of the home."""

    RETRY = "retry"            # the service is busy: try again later
    CONFIGURATION = "config"   # certificate, VIHF or home identity: an administrator must act
    DOCUMENT = "document"      # this document is wrong: a person must correct it


_CATALOGUE: dict[str, tuple[ErrorClass, str]] = {
    "XDSRegistryBusy": (ErrorClass.RETRY, "Le DMP est momentanément surchargé."),
    "XDSRepositoryBusy": (ErrorClass.RETRY, "Le DMP est momentanément surchargé."),
    "XDSRegistryError": (ErrorClass.RETRY, "Le DMP a rencontré une erreur interne."),
    "XDSRepositoryError": (ErrorClass.RETRY, "Le DMP a rencontré une erreur interne."),
    "XDSRegistryOutOfResources": (ErrorClass.RETRY, "Le DMP est momentanément indisponible."),
    "InvalidSecurity": (ErrorClass.CONFIGURATION,
                        "Le DMP refuse le jeton d'authentification (VIHF) de l'établissement : "
                        "vérifiez le certificat de signature."),
    "XDSUnknownAuthor": (ErrorClass.CONFIGURATION,
                         "Le DMP ne reconnaît pas l'établissement auteur : vérifiez le FINESS."),
    "XDSUnknownPatientId": (ErrorClass.DOCUMENT,
                            "Le DMP ne connaît pas ce patient (pas de DMP ouvert pour cet INS)."),
    "XDSPatientIdDoesNotMatch": (ErrorClass.DOCUMENT,
                                 "L'identifiant du patient diffère entre le document et l'envoi."),
    "XDSRegistryMetadataError": (ErrorClass.DOCUMENT,
                                 "Les métadonnées du document sont refusées par le DMP."),
    "XDSRepositoryMetadataError": (ErrorClass.DOCUMENT,
                                   "Les métadonnées du document sont refusées par le DMP."),
    "XDSMissingDocument": (ErrorClass.DOCUMENT, "Le contenu du document manque dans l'envoi."),
    "XDSMissingDocumentMetadata": (ErrorClass.DOCUMENT,
                                   "Les métadonnées du document manquent dans l'envoi."),
    "XDSNonIdenticalHash": (ErrorClass.DOCUMENT,
                            "Le DMP détient déjà un document portant cet identifiant avec un "
                            "autre contenu : générez une nouvelle version."),
    "XDSNonIdenticalSize": (ErrorClass.DOCUMENT,
                            "La taille déclarée du document ne correspond pas à son contenu."),
    "XDSUnresolvedReferenceException": (ErrorClass.DOCUMENT,
                                        "La version à remplacer est introuvable dans le DMP."),
    "XDSDocumentUniqueIdError": (ErrorClass.DOCUMENT, "L'identifiant unique du document est "
                                                      "invalide."),
    "XDSPatientIdNotQualified": (ErrorClass.DOCUMENT,
                                 "L'identité INS du patient n'est pas qualifiée."),
    "XDSInvalidDocumentContent": (ErrorClass.DOCUMENT,
                                  "Le contenu du document (CDA) est refusé par le DMP."),
    # The IHE DSG signature of the submission (codes of the sandbox: no DMP catalogue is public).
    "DSGSignatureMissing": (ErrorClass.DOCUMENT, "L'envoi n'est pas signé : le DMP refuse un "
                                                 "lot de documents sans signature."),
    "DSGSignatureInvalid": (ErrorClass.CONFIGURATION,
                            "Le DMP refuse la signature de l'envoi : vérifiez le certificat de "
                            "signature de l'établissement."),
    "DSGDigestMismatch": (ErrorClass.DOCUMENT, "Le contenu d'un document ne correspond pas à "
                                               "la signature de l'envoi."),
}
_UNKNOWN = (ErrorClass.DOCUMENT, "Le DMP a refusé le document.")


@dataclass(frozen=True, slots=True)
class RegistryError:
    code: str
    context: str
    severity: str
    location: str = ""

    @property
    def is_error(self) -> bool:
        return not self.severity.endswith("Warning")


@dataclass(frozen=True, slots=True)
class RegistryOutcome:
    """What the answer means: accepted (perhaps already present) or refused with a first error."""

    accepted: bool
    already_present: bool
    errors: tuple[RegistryError, ...]

    @property
    def first_error(self) -> RegistryError | None:
        real = [error for error in self.errors if error.is_error]
        return real[0] if real else None


def classify(code: str) -> tuple[ErrorClass, str]:
    """What an error code asks of the home, and its plain French meaning."""
    return _CATALOGUE.get(code, _UNKNOWN)


def read_response(envelope_bytes: bytes) -> RegistryOutcome:
    """Read the SOAP answer of an ITI-41 request.

    :raises ValueError: the answer is neither a RegistryResponse nor a SOAP fault.
    """
    try:
        envelope = parse_untrusted(envelope_bytes)
    except etree.XMLSyntaxError as exc:
        raise ValueError("the answer is not XML") from exc
    child = body_child(envelope)
    if child.tag == f"{{{SOAP12}}}Fault":
        code = (child.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")
                or child.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") or "SOAPFault")
        reason = child.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or ""
        local = code.strip().rsplit(":", 1)[-1]
        return RegistryOutcome(False, False, (RegistryError(local, reason.strip(), "Error"),))
    if child.tag != f"{{{RS}}}RegistryResponse":
        raise ValueError(f"unexpected answer element {child.tag}")
    status = child.get("status", "").removeprefix(STATUS_PREFIX)
    errors = tuple(
        RegistryError(node.get("errorCode", ""), node.get("codeContext", ""),
                      node.get("severity", "").removeprefix(SEVERITY_PREFIX),
                      node.get("location", ""))
        for node in child.iterfind(f"{{{RS}}}RegistryErrorList/{{{RS}}}RegistryError"))
    real = [error for error in errors if error.is_error]
    duplicate_only = bool(errors) and all(error.code == ALREADY_PRESENT for error in errors)
    if status == Status.SUCCESS:
        return RegistryOutcome(True, duplicate_only, errors)
    if duplicate_only:
        return RegistryOutcome(True, True, errors)
    if status == Status.FAILURE or real:
        return RegistryOutcome(False, False, errors)
    raise ValueError(f"unexpected RegistryResponse status {status!r}")


def registry_response(status: Status, errors: list[RegistryError] | None = None) -> etree._Element:
    """A RegistryResponse element (used by the sandbox DMP to answer)."""
    response = etree.Element(f"{{{RS}}}RegistryResponse", nsmap={"rs": RS},
                             status=STATUS_PREFIX + status.value)
    if errors:
        error_list = etree.SubElement(response, f"{{{RS}}}RegistryErrorList")
        for error in errors:
            node = etree.SubElement(error_list, f"{{{RS}}}RegistryError",
                                    errorCode=error.code, codeContext=error.context,
                                    severity=SEVERITY_PREFIX + error.severity)
            if error.location:
                node.set("location", error.location)
    return response


def soap_fault(code: str, reason: str) -> etree._Element:
    """A SOAP 1.2 Sender fault with a subcode (used by the sandbox for unreadable requests)."""
    fault = etree.Element(f"{{{SOAP12}}}Fault", nsmap={"soap": SOAP12})
    code_node = etree.SubElement(fault, f"{{{SOAP12}}}Code")
    etree.SubElement(code_node, f"{{{SOAP12}}}Value").text = "soap:Sender"
    sub = etree.SubElement(code_node, f"{{{SOAP12}}}Subcode")
    etree.SubElement(sub, f"{{{SOAP12}}}Value").text = code
    reason_node = etree.SubElement(fault, f"{{{SOAP12}}}Reason")
    text = etree.SubElement(reason_node, f"{{{SOAP12}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = reason
    return fault
