"""The session cookie: `__Host-` prefixed, Secure, HttpOnly, SameSite=Strict, no Domain, Path=/.

Only for plain-HTTP development on a LAN address (``web_secure_cookies = 0``) does the cookie lose its
prefix and Secure flag, since browsers refuse both over http:// except on 127.0.0.1 and localhost.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from web.context import settings

SECURE_SESSION_COOKIE = "__Host-relais_session"
PLAIN_SESSION_COOKIE = "relais_session"
SECURE_PRESESSION_COOKIE = "__Host-relais_csrf"
PLAIN_PRESESSION_COOKIE = "relais_csrf"


def _secure() -> bool:
    return bool(settings().web_secure_cookies)


def session_cookie_name() -> str:
    return SECURE_SESSION_COOKIE if _secure() else PLAIN_SESSION_COOKIE


def presession_cookie_name() -> str:
    return SECURE_PRESESSION_COOKIE if _secure() else PLAIN_PRESESSION_COOKIE


def read_session_token() -> str:
    return request.cookies.get(session_cookie_name(), "")


def _set(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/", secure=_secure(), httponly=True, samesite="Strict")


def set_session_cookie(response: Response, token: str) -> None:
    """A browser-session cookie (no expiry date): closing the browser forgets it."""
    _set(response, session_cookie_name(), token)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(session_cookie_name(), path="/", secure=_secure(), httponly=True,
                           samesite="Strict")


def set_presession_cookie(response: Response, value: str) -> None:
    _set(response, presession_cookie_name(), value)
