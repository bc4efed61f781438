"""Errors of the tablet application: one root, `WebError`, and what the caller must do."""

from __future__ import annotations


class WebError(Exception):
    """Root of the errors raised by the `web` package."""


class SignInRequired(WebError):
    """No signed-in session: send the person to the sign-in page."""


class SessionLocked(WebError):
    """The session is locked after inactivity: ask for the PIN."""


class CsrfRefused(WebError):
    """An unsafe request came without the session's CSRF token: refuse it."""
