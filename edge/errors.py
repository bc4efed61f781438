"""Errors raised by the edge core, named for what the caller must do about them."""

from __future__ import annotations


class EdgeError(Exception):
    """Root of every error raised by `edge`."""


class SettingInvalid(EdgeError):
    """A setting has a value that cannot be used: the administrator must fix the configuration."""

    def __init__(self, name: str, problem: str, fix: str) -> None:
        self.name = name
        self.problem = problem
        self.fix = fix
        super().__init__(f"setting '{name}': {problem}. {fix}")


class KeyUnavailable(EdgeError):
    """The data key cannot be unlocked: a person must provide the right key file or passphrase."""


class DataDirectoryNotReady(EdgeError):
    """The data directory is missing or not initialised: run `relais init` (or `relais demo`)."""


class AlreadyInitialised(EdgeError):
    """`init` was asked for a data directory that already holds a record: nothing was changed."""


class IntegrityViolation(EdgeError):
    """Stored data failed an integrity check (tampered, truncated or misplaced): never use it."""


class RecordRejected(EdgeError):
    """Input refused by a domain rule: the person who typed it must correct it.

    The message is a plain French sentence that can be shown as it is.
    """


class ImportRejected(RecordRejected):
    """A file to import has bad rows: nothing was imported; fix the rows listed and retry."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = "; ".join(f"ligne {line} : {reason}" for line, reason in problems)
        super().__init__(f"Import refusé, aucune ligne importée. {lines}")


class CurrentSecretRejected(RecordRejected):
    """The current password (or PIN) given to authorise a change is wrong: nothing was changed; the
    person must type it again (callers count these failures like sign-in failures)."""


class NoTemporaryPassword(EdgeError):
    """A new password was chosen without the current one, but the account is not waiting for a
    change after a temporary password: ask for the current password instead."""


class NotFound(EdgeError):
    """The record asked for does not exist (or is not visible to this actor)."""


class StorageFailure(EdgeError):
    """The database could not complete a write (disk full, I/O error): nothing was acknowledged.

    The caller must not report success; retry once the cause (free space, hardware) is fixed.
    """


class BackupInvalid(EdgeError):
    """A backup file is unreadable, tampered with or made under other keys: restore nothing."""
