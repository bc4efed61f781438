"""The DMP adapter: one document → one ITI-41 Provide and Register Document Set-b request.

The request is the document's SubmitObjectsRequest (`sync.ebrs`, with its HasMember and, for a
corrected version, RPLC associations) plus the submission's IHE DSG signature document
(`sync.dmp.dsg`: its own entry, MTOM part, HasMember and signs associations), wrapped in a SOAP
1.2 envelope whose WS-Security header carries a VIHF signed with the home's certificate, packaged
with MTOM and posted over TLS with the home's client certificate. The RegistryResponse becomes a
`DeliveryReceipt` (acknowledged at once: the DMP answers synchronously) or the error the delivery
loop needs. The XDS object ids (the signature's too) are derived from the document's unique id
and the signature bytes are deterministic, so sending again after a crash re-sends the very same
submission, and the DMP's "already there" counts as delivered.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge import Destination, OutboxRow, StoredDocument
from sync.adapter import DeliveryReceipt, ProbeResult, ReceiptEvent
from sync.dmp import mtom, soap, transport
from sync.dmp.dsg import sign_submission
from sync.dmp.response import ErrorClass, RegistryOutcome, classify, read_response
from sync.dmp.vihf import SigningIdentity, VihfClaims, build_vihf
from sync.ebrs import submit_objects_request
from sync.errors import ConfigurationIncomplete, DeliveryRefused, RetryLater

_LOGGER = logging.getLogger(__name__)
SOFTWARE_NAME = "Relais"
SOFTWARE_ID = "relais"
EHPAD_SECTOR = "SA17"
NOT_QUALIFIED = ("Identité non qualifiée : le document ne peut pas partir vers le DMP tant que "
                 "l'identité INS du résident n'est pas qualifiée.")
_MESSAGE_NAMESPACE = uuid.UUID("0b7e2a63-4f0c-4c55-9d1e-3a52c6f7d8e1")


@dataclass(frozen=True, slots=True)
class DmpConfig:
    """Where the DMP is and what the home presents to it."""

    url: str
    tls: transport.TlsFiles
    signing_cert: Path | None
    signing_key: Path | None
    finess: str
    homologation_id: str
    software_version: str
    timeout_seconds: float


class DmpAdapter:
    """Delivers documents to the DMP (the `sync.adapter.Adapter` contract)."""

    destination = Destination.DMP

    def __init__(self, config: DmpConfig, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.clock = clock
        self._signing: tuple[tuple[Path, Path, int, int], SigningIdentity] | None = None

    def _signing_identity(self) -> SigningIdentity:
        cert = self.config.signing_cert or self.config.tls.client_cert
        key = self.config.signing_key or self.config.tls.client_key
        if cert is None or key is None:
            raise ConfigurationIncomplete(
                "Le certificat de signature de l'établissement n'est pas configuré : un "
                "administrateur doit l'installer (réglages dmp_signing_cert et dmp_signing_key).")
        stamp = (cert, key, cert.stat().st_mtime_ns if cert.exists() else 0,
                 key.stat().st_mtime_ns if key.exists() else 0)
        if self._signing is None or self._signing[0] != stamp:
            self._signing = (stamp, SigningIdentity.from_files(cert, key))
        return self._signing[1]

    def _check_ready(self, document: StoredDocument) -> None:
        if not self.config.url:
            raise ConfigurationIncomplete(
                "L'adresse du DMP n'est pas configurée : un administrateur doit la renseigner "
                "(réglage dmp_url).")
        if not self.config.finess:
            raise ConfigurationIncomplete(
                "Le numéro FINESS de l'établissement n'est pas configuré (réglage finess).")
        if not self.config.homologation_id.strip():
            raise ConfigurationIncomplete(
                "Le numéro d'homologation DMP du logiciel n'est pas configuré : un "
                "administrateur doit le renseigner (réglage dmp_homologation_id).")
        metadata = document.metadata
        if not metadata.ins_shareable or not metadata.entry.patient_id.endswith("^NH"):
            raise DeliveryRefused("IDENTITE_NON_QUALIFIEE", NOT_QUALIFIED)

    def request(self, document: StoredDocument) -> mtom.MtomMessage:
        """The MTOM message for a document (built fresh: a new VIHF and MessageID each time)."""
        self._check_ready(document)
        metadata = document.metadata
        claims = VihfClaims(
            structure_id=f"1{self.config.finess}", sector=EHPAD_SECTOR,
            responsible_id=f"3{self.config.finess}/{SOFTWARE_ID}", software_name=SOFTWARE_NAME,
            software_version=self.config.software_version, software_id=SOFTWARE_ID,
            homologation_id=self.config.homologation_id.strip(),
            patient_id=metadata.entry.patient_id)
        identity = self._signing_identity()
        assertion = build_vihf(claims, identity, self.clock())
        signed = sign_submission(metadata, document.content, identity)
        content_id = mtom.new_content_id("document")
        signature_id = mtom.new_content_id("signature")
        body = soap.provide_and_register(
            submit_objects_request(metadata, extra_entries=(signed.entry,),
                                   extra_associations=signed.associations),
            [soap.AttachedDocument(metadata.entry.entry_uuid, content_id),
             soap.AttachedDocument(signed.entry.entry_uuid, signature_id)])
        envelope = soap.build_envelope(to=self.config.url, action=soap.ITI41_ACTION,
                                       assertion=assertion, body=body,
                                       message_id=f"urn:uuid:{uuid.uuid4()}")
        parts = [mtom.Part(content_id, metadata.entry.mime_type, document.content),
                 mtom.Part(signature_id, signed.entry.mime_type, signed.content)]
        root_id = mtom.new_content_id("root")
        return mtom.package(soap.serialise(envelope), root_id, parts, soap.ITI41_ACTION)

    def deliver(self, row: OutboxRow, document: StoredDocument) -> DeliveryReceipt:
        """Send one document; see `sync.adapter.Adapter.deliver`."""
        message = self.request(document)
        answer = transport.post(self.config.url, self.config.tls, content_type=message.content_type,
                                body=message.body, action=soap.ITI41_ACTION,
                                timeout=self.config.timeout_seconds)
        outcome = self._outcome(answer)
        entry_uuid = document.metadata.entry.entry_uuid
        if outcome.accepted:
            _LOGGER.info("DMP registered outbox row %s (already present: %s)", row.id,
                         outcome.already_present)
            return DeliveryReceipt(remote_ref=entry_uuid, acknowledged=True,
                                   already_present=outcome.already_present,
                                   detail="XDSDuplicateUniqueIdInRegistry"
                                   if outcome.already_present else "Success")
        error = outcome.first_error
        code = error.code if error is not None else "Failure"
        kind, reason = classify(code)
        _LOGGER.warning("DMP refused outbox row %s: %s", row.id, code)
        if kind is ErrorClass.RETRY:
            raise RetryLater(reason)
        if kind is ErrorClass.CONFIGURATION:
            raise ConfigurationIncomplete(reason)
        raise DeliveryRefused(code, reason)

    def _outcome(self, answer: transport.HttpAnswer) -> RegistryOutcome:
        if answer.status == 404:
            raise ConfigurationIncomplete(
                "L'adresse du DMP ne correspond à aucun service : un administrateur doit la "
                "corriger (réglage dmp_url).")
        envelope = answer.body
        try:
            if answer.content_type.lower().startswith("multipart/related"):
                envelope = mtom.parse(answer.content_type, answer.body).envelope
            return read_response(envelope)
        except ValueError as exc:
            raise RetryLater("La réponse du DMP est illisible : l'envoi sera refait.") from exc

    def probe(self) -> ProbeResult:
        """A real TLS handshake with the DMP and a light request."""
        now = self.clock()
        expires = self.config.tls.client_cert_expiry()
        if not self.config.url:
            return ProbeResult(self.destination, False, "L'adresse du DMP n'est pas configurée.",
                               now, expires)
        problem = transport.probe(self.config.url, self.config.tls,
                                  min(self.config.timeout_seconds, 15.0))
        return ProbeResult(self.destination, problem is None, problem or "Le DMP répond.", now,
                           expires)

    def collect_receipts(self, apply: Callable[[ReceiptEvent], bool]) -> int:
        """The DMP answers synchronously: no later receipts."""
        return 0
