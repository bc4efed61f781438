"""Signing in and staying signed in: password, second factor (TOTP or security key), enrolment,
PIN unlock after the inactivity lock, sign-out and the language choice."""

from __future__ import annotations
