"""Administration pages: staff accounts, the effective settings, and the audit log viewer."""

from __future__ import annotations
