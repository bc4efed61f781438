"""The `python -m sync` process: settings, logging, the record, and the APScheduler jobs.

At start it releases the claims a crashed worker left, then three interval jobs run on a
BlockingScheduler (one at a time each, missed runs coalesced): a delivery pass every
``sync_poll_seconds``, a probe of each service and the collection of receipts every
``sync_probe_seconds``. SIGTERM and SIGINT stop the scheduler; the pass in progress finishes its
current row (a row interrupted harder, by SIGKILL, is released at the next start).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

import edge
from edge import Destination, EdgeError, Settings, load_settings, open_record
from sync.delivery import DeliveryWorker
from sync.wiring import build_adapters

_LOGGER = logging.getLogger(__name__)
EXIT_SETTINGS = 2


def configure_logging(level: str) -> None:
    """The shared set-up, with APScheduler's skipped-tick warnings silenced (a long pass skips
    ticks on purpose)."""
    edge.configure_logging(level)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def make_worker(settings: Settings, destinations: tuple[Destination, ...] = tuple(Destination)
                ) -> DeliveryWorker:
    db = open_record(settings)
    return DeliveryWorker(db, build_adapters(settings, utc_now, destinations),
                          worker=worker_name(), clock=utc_now, rng=random.SystemRandom())


def run_once(settings: Settings, destinations: tuple[Destination, ...] = tuple(Destination)) -> int:
    """Release stale claims, probe, then send everything due once; return the rows handled."""
    worker = make_worker(settings, destinations)
    try:
        worker.recover()
        worker.probe_all()
        handled = worker.run_pass().handled
        worker.collect_receipts()
        return handled
    finally:
        worker.db.close()


def run_forever(settings: Settings, destinations: tuple[Destination, ...] = tuple(Destination)
                ) -> None:
    """Run the delivery, probe and receipt jobs until SIGTERM or SIGINT."""
    worker = make_worker(settings, destinations)
    worker.recover()
    scheduler = BlockingScheduler(timezone=UTC)
    now = utc_now()
    scheduler.add_job(worker.probe_all, "interval", seconds=settings.sync_probe_seconds,
                      next_run_time=now, id="probe", max_instances=1, coalesce=True)
    scheduler.add_job(worker.run_pass, "interval", seconds=settings.sync_poll_seconds,
                      next_run_time=now, id="deliver", max_instances=1, coalesce=True)
    scheduler.add_job(worker.collect_receipts, "interval", seconds=settings.sync_probe_seconds,
                      next_run_time=now, id="receipts", max_instances=1, coalesce=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        _LOGGER.info("signal %s: stopping the delivery worker", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _LOGGER.info("delivery worker started for %s",
                 ", ".join(d.value for d in worker.adapters))
    try:
        scheduler.start()
    finally:
        worker.db.close()
        _LOGGER.info("delivery worker stopped")


def main(environ: Mapping[str, str], *, once: bool, destinations: tuple[Destination, ...]) -> int:
    try:
        settings = load_settings(environ)
    except EdgeError as exc:
        logging.basicConfig()
        _LOGGER.error("%s", exc)
        return EXIT_SETTINGS
    configure_logging(settings.log_level)
    try:
        if once:
            run_once(settings, destinations)
        else:
            run_forever(settings, destinations)
    except EdgeError as exc:
        _LOGGER.error("the delivery worker cannot run: %s", exc)
        return 1
    return 0
