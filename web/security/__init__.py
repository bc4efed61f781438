"""Browser-facing protections: security headers and CSP, anti-forgery tokens, session cookies."""

from __future__ import annotations

from web.security.cookies import clear_session_cookie, read_session_token, set_session_cookie
from web.security.csrf import csrf_field, csrf_token, install_csrf
from web.security.headers import CONTENT_SECURITY_POLICY, install_headers

__all__ = [
    "CONTENT_SECURITY_POLICY", "clear_session_cookie", "csrf_field", "csrf_token",
    "install_csrf", "install_headers", "read_session_token", "set_session_cookie",
]
