"""Delivery to MSSanté: the message with its IHE_XDM.zip, SMTP submission, receipts over IMAP."""

from __future__ import annotations

from sync.mssante.adapter import MssanteAdapter, MssanteConfig, config_from_settings

__all__ = ["MssanteAdapter", "MssanteConfig", "config_from_settings"]
