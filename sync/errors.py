"""Errors of the sync package: one root, and subclasses named for what the caller must do."""

from __future__ import annotations


class SyncError(Exception):
    """Root of every error raised by the sync package."""


class RetryLater(SyncError):
    """The service could not be reached or answered with a temporary failure: try again later."""


class DeliveryRefused(SyncError):
    """The service refused the document for good: a person must correct it (the reason says what)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class ConfigurationIncomplete(SyncError):
    """An endpoint, certificate or mailbox is missing or unusable: an administrator must set it."""


class CertificateRejected(ConfigurationIncomplete):
    """A service refused the home's certificate (expired, revoked, from an unknown authority), or
    presented one the appliance does not trust: an administrator must install a valid one."""
