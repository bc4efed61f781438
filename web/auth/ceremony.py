"""WebAuthn ceremonies (py_webauthn): registering a security key or badge, and signing in with it.

The relying-party id is the host name the tablet used (no port), the expected origin its scheme and
host; both come from the request, so the same appliance works under its LAN name. Challenges are kept
server-side for a few minutes (`web.auth.pending`). User verification is not required: the key is the
second factor after the password.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import request
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

import edge
from web.auth.pending import PENDING
from web.errors import WebError

_LOGGER = logging.getLogger(__name__)
RP_NAME = "Relais"
REGISTRATION = "webauthn-registration"
AUTHENTICATION = "webauthn-authentication"


class CeremonyFailed(WebError):
    """The browser's answer did not verify: refuse the step."""


@dataclass(frozen=True, slots=True)
class NewKey:
    credential_id: bytes
    public_key: bytes
    sign_count: int


def rp_id() -> str:
    return request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host


def origin() -> str:
    return f"{request.scheme}://{request.host}"


def registration_options(session_id: str, user: edge.StaffUser,
                         existing: list[edge.SecurityKey]) -> str:
    options = generate_registration_options(
        rp_id=rp_id(), rp_name=RP_NAME, user_id=user.id.encode("ascii"), user_name=user.login,
        user_display_name=user.display_name,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=key.credential_id)
                             for key in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED))
    PENDING.put(session_id, REGISTRATION, options.challenge)
    return options_to_json(options)


def verify_registration(session_id: str, credential: dict[str, Any]) -> NewKey:
    challenge = PENDING.take(session_id, REGISTRATION)
    if challenge is None:
        raise CeremonyFailed("no registration under way (expired?)")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin(), require_user_verification=False)
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise CeremonyFailed(f"registration did not verify: {exc}") from exc
    return NewKey(verified.credential_id, verified.credential_public_key, verified.sign_count)


def authentication_options(session_id: str, keys: list[edge.SecurityKey]) -> str:
    options = generate_authentication_options(
        rp_id=rp_id(),
        allow_credentials=[PublicKeyCredentialDescriptor(id=key.credential_id) for key in keys],
        user_verification=UserVerificationRequirement.DISCOURAGED)
    PENDING.put(session_id, AUTHENTICATION, options.challenge)
    return options_to_json(options)


def verify_authentication(session_id: str, credential: dict[str, Any],
                          keys: list[edge.SecurityKey]) -> tuple[edge.SecurityKey, int]:
    """The key that signed and its new signature counter; `CeremonyFailed` otherwise."""
    challenge = PENDING.take(session_id, AUTHENTICATION)
    if challenge is None:
        raise CeremonyFailed("no sign-in under way (expired?)")
    try:
        parsed = parse_authentication_credential_json(json.dumps(credential))
    except (ValueError, KeyError, TypeError) as exc:
        raise CeremonyFailed(f"unreadable answer: {exc}") from exc
    key = next((k for k in keys if k.credential_id == parsed.raw_id), None)
    if key is None:
        raise CeremonyFailed("this key is not registered for the account")
    try:
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=origin(), credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count, require_user_verification=False)
    except (InvalidAuthenticationResponse, ValueError) as exc:
        raise CeremonyFailed(f"signature did not verify: {exc}") from exc
    return key, verified.new_sign_count
