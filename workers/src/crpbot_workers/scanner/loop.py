"""`crpbot run`: scan cycles aligned to candle closes until SIGTERM or SIGINT.

Cycles start on the `interval` grid counted from the Unix epoch (every 2 minutes by default),
plus a short `settle` delay so the exchange has published the bar that just closed. Every
granularity's closes are on that grid, so a close is never waited past by more than one
interval. A stop signal only sets a flag: the cycle under way finishes (its signals are stored
and decided), then the loop returns, so a rolling restart never leaves a half-made signal.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType

from crpbot.clock import utcnow
from crpbot.scan.report import CycleReport
from crpbot.scan.scanner import Scanner

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def next_slot(now: datetime, interval: timedelta, settle: timedelta) -> datetime:
    """The first time after `now` that is on the interval grid plus `settle`."""
    if interval <= timedelta(0):
        raise ValueError("interval must be positive")
    step = interval.total_seconds()
    grid = (now - settle).timestamp() // step * step
    slot = datetime.fromtimestamp(grid, tz=UTC) + settle
    return slot if slot > now else slot + interval


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn SIGTERM and SIGINT into `stop.set()` for the duration (main thread only)."""

    def _handler(signum: int, _frame: FrameType | None) -> None:
        log.info("stop requested: finishing the current cycle", extra={"signal": signum})
        stop.set()

    previous = {sig: signal.signal(sig, _handler) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_loop(
    scanner: Scanner,
    stop: threading.Event,
    *,
    interval: timedelta = timedelta(minutes=2),
    settle: timedelta = timedelta(seconds=5),
    clock: Callable[[], datetime] = utcnow,
    on_cycle: Callable[[CycleReport], None] | None = None,
    max_cycles: int | None = None,
) -> int:
    """Run a cycle now, then one per slot, until `stop` is set; returns the cycles run."""
    cycles = 0
    while not stop.is_set():
        report = scanner.run_cycle(clock())
        cycles += 1
        if on_cycle is not None:
            on_cycle(report)
        if max_cycles is not None and cycles >= max_cycles:
            break
        now = clock()
        wait_s = (next_slot(now, interval, settle) - now).total_seconds()
        if stop.wait(timeout=max(wait_s, 0.0)):
            break
    log.info("scanner loop stopped", extra={"cycles": cycles})
    return cycles
