"""Keeping every transport running: one thread each, restarted when it crashes, stopped together.

A transport that raises (a bug, an unexpected error from a driver) is logged and restarted after a
back-off that doubles up to a limit, so one misbehaving device never stops the others; a run that
lasted longer than that limit counts as healthy and the back-off starts again from the first
delay. `stop()` sets the shared stop event and waits for every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from devices.transport import Sink, Transport

_LOGGER = logging.getLogger(__name__)
FIRST_RESTART_S = 0.5
MAX_RESTART_S = 30.0
JOIN_TIMEOUT_S = 5.0


def restart_delay(previous_s: float, ran_for_s: float, first_s: float, max_s: float) -> float:
    """The wait before restarting a transport whose run just ended after `ran_for_s` seconds.

    :param previous_s: the wait before the previous restart (0 when there was none).
    :returns: `first_s` on the first restart or after a run longer than `max_s` (it was healthy),
        else the previous wait doubled, at most `max_s`.
    """
    if previous_s <= 0 or ran_for_s > max_s:
        return first_s
    return min(previous_s * 2, max_s)


class Supervisor:
    """Runs transports in threads until `stop` is called.

    :param monotonic: the clock that measures how long each run lasted.
    """

    def __init__(self, sink: Sink, transports: Sequence[Transport], *,
                 first_restart_s: float = FIRST_RESTART_S, max_restart_s: float = MAX_RESTART_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._sink = sink
        self._transports = list(transports)
        self._first, self._max = first_restart_s, max_restart_s
        self._monotonic = monotonic
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
        delay = 0.0
        while not self.stop_event.is_set():
            started = self._monotonic()
            try:
                transport.run(self._sink, self.stop_event)
            # One crashing transport must not end the process nor the other transports. Exception
            # messages (logged here) must stay free of personal data: transports never put any in.
            except Exception:
                delay = restart_delay(delay, self._monotonic() - started, self._first, self._max)
                _LOGGER.exception("%s crashed; restarting in %.1f s", transport.name, delay)
            else:
                if self.stop_event.is_set():
                    return
                delay = restart_delay(delay, self._monotonic() - started, self._first, self._max)
                _LOGGER.warning("%s stopped by itself; restarting in %.1f s", transport.name, delay)
            self.restarts[transport.name] = self.restarts.get(transport.name, 0) + 1
            self.stop_event.wait(delay)

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
