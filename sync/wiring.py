"""The adapters `python -m sync` runs with, built from the settings.

A service whose settings are incomplete still gets an adapter that says what is missing: its rows
wait BLOCKED with that reason (an administrator replays them once it is set) and its probe row
tells the tablet's banner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from importlib import metadata

from edge import Destination, OutboxRow, Settings, StoredDocument
from sync.adapter import Adapter, DeliveryReceipt, ProbeResult, ReceiptEvent
from sync.dmp import DmpAdapter, DmpConfig, TlsFiles
from sync.errors import ConfigurationIncomplete
from sync.mssante import MssanteAdapter, config_from_settings

_LOGGER = logging.getLogger(__name__)


class UnconfiguredAdapter:
    """Stands for a service that cannot be used until an administrator completes its settings."""

    def __init__(self, destination: Destination, problem: ConfigurationIncomplete,
                 clock: Callable[[], datetime]) -> None:
        self.destination = destination
        self.problem = problem
        self.clock = clock

    def deliver(self, row: OutboxRow, document: StoredDocument) -> DeliveryReceipt:
        raise ConfigurationIncomplete(str(self.problem))

    def probe(self) -> ProbeResult:
        return ProbeResult(self.destination, False, str(self.problem), self.clock())

    def collect_receipts(self, apply: Callable[[ReceiptEvent], bool]) -> int:
        return 0


def software_version() -> str:
    try:
        return metadata.version("relais")
    except metadata.PackageNotFoundError:
        return "dev"


def dmp_adapter(settings: Settings, clock: Callable[[], datetime]) -> DmpAdapter:
    return DmpAdapter(DmpConfig(
        url=settings.dmp_url,
        tls=TlsFiles(settings.dmp_client_cert, settings.dmp_client_key, settings.dmp_ca_bundle),
        signing_cert=settings.dmp_signing_cert, signing_key=settings.dmp_signing_key,
        finess=settings.finess, homologation_id=settings.dmp_homologation_id,
        software_version=software_version(),
        timeout_seconds=float(settings.dmp_timeout_seconds)), clock)


def build_adapters(settings: Settings, clock: Callable[[], datetime],
                   destinations: tuple[Destination, ...] = tuple(Destination)
                   ) -> dict[Destination, Adapter]:
    """One adapter per destination asked for (all by default)."""
    adapters: dict[Destination, Adapter] = {}
    if Destination.DMP in destinations:
        adapters[Destination.DMP] = dmp_adapter(settings, clock)
    if Destination.MSSANTE in destinations:
        try:
            adapters[Destination.MSSANTE] = MssanteAdapter(config_from_settings(settings),
                                                           clock=clock)
        except ConfigurationIncomplete as exc:
            _LOGGER.error("MSSanté deliveries wait for their settings: %s", exc)
            adapters[Destination.MSSANTE] = UnconfiguredAdapter(Destination.MSSANTE, exc, clock)
    return adapters
