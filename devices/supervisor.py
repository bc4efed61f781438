"""Keeping every transport running: one thread each, restarted when it crashes, stopped together.

A transport that raises (a bug, an unexpected error from a driver) is logged and restarted after a
back-off that doubles up to a limit, so one misbehaving device never stops the others. `stop()`
sets the shared stop event and waits for every thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from devices.transport import Sink, Transport

_LOGGER = logging.getLogger(__name__)
FIRST_RESTART_S = 0.5
MAX_RESTART_S = 30.0
JOIN_TIMEOUT_S = 5.0


class Supervisor:
    """Runs transports in threads until `stop` is called."""

    def __init__(self, sink: Sink, transports: Sequence[Transport], *,
                 first_restart_s: float = FIRST_RESTART_S, max_restart_s: float = MAX_RESTART_S
                 ) -> None:
        self._sink = sink
        self._transports = list(transports)
        self._first, self._max = first_restart_s, max_restart_s
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self.restarts: dict[str, int] = {}

    def start(self) -> None:
        for index, transport in enumerate(self._transports):
            thread = threading.Thread(target=self._keep_running, args=(transport,),
                                      name=f"transport-{index}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _keep_running(self, transport: Transport) -> None:
        delay = self._first
        while not self.stop_event.is_set():
            try:
                transport.run(self._sink, self.stop_event)
            except Exception:  # any crash of one transport must not end the process
                _LOGGER.exception("%s crashed; restarting in %.1f s", transport.name, delay)
            else:
                if self.stop_event.is_set():
                    return
                _LOGGER.warning("%s stopped by itself; restarting in %.1f s", transport.name, delay)
            self.restarts[transport.name] = self.restarts.get(transport.name, 0) + 1
            self.stop_event.wait(delay)
            delay = min(delay * 2, self._max)

    def wait(self) -> None:
        """Block until `stop` is called (from a signal handler or another thread)."""
        while not self.stop_event.wait(1.0):
            pass

    def stop(self) -> None:
        """Stop every transport and wait (bounded) for their threads."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT_S)
            if thread.is_alive():
                _LOGGER.warning("%s did not stop in time", thread.name)
