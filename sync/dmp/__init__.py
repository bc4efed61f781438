"""The DMP adapter and its parts: ITI-41 over SOAP 1.2 with MTOM, the VIHF, TLS, the answer."""

from __future__ import annotations

from sync.dmp.adapter import DmpAdapter, DmpConfig
from sync.dmp.transport import TlsFiles

__all__ = ["DmpAdapter", "DmpConfig", "TlsFiles"]
