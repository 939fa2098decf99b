"""`crpbot run`'s loop: cycles on the candle-close grid, and a stop signal drains the cycle."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest

from crpbot.scan.report import CycleReport
from crpbot_workers.scanner.loop import next_slot, run_loop, stop_on_signals

T0 = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
TWO_MIN = timedelta(minutes=2)
SETTLE = timedelta(seconds=5)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0, T0 + SETTLE),
        (T0 + timedelta(seconds=4), T0 + SETTLE),
        (T0 + SETTLE, T0 + TWO_MIN + SETTLE),
        (T0 + timedelta(seconds=61), T0 + TWO_MIN + SETTLE),
        (T0 - timedelta(microseconds=1), T0 + SETTLE),
    ],
    ids=["on-grid", "inside-settle", "at-slot", "mid-interval", "just-before-close"],
)
def test_next_slot_is_the_next_grid_time_plus_settle(now: datetime, expected: datetime) -> None:
    assert next_slot(now, TWO_MIN, SETTLE) == expected


def test_next_slot_hourly_grid_lands_on_the_hour() -> None:
    slot = next_slot(T0 + timedelta(minutes=17), timedelta(hours=1), timedelta(0))
    assert slot == T0 + timedelta(hours=1)


def test_next_slot_refuses_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        next_slot(T0, timedelta(0), SETTLE)


class FakeScanner:
    """Records the time of each cycle; `during` runs inside the cycle (a signal arriving)."""

    def __init__(self, during: object = None) -> None:
        self.cycles: list[datetime] = []
        self.finished = 0
        self._during = during

    def run_cycle(self, now: datetime) -> CycleReport:
        self.cycles.append(now)
        if callable(self._during):
            self._during()
        self.finished += 1
        return CycleReport("bot", now, now, 0.0)


class ScriptedStop(threading.Event):
    """A stop flag whose `wait` advances a fake clock instead of sleeping, and records how
    long the loop asked to wait."""

    def __init__(self, clock: list[datetime], stop_after: int) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []
        self._stop_after = stop_after

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        self.clock[0] += timedelta(seconds=timeout)
        if len(self.waits) >= self._stop_after:
            self.set()
        return self.is_set()


def test_run_loop_runs_now_then_on_each_slot() -> None:
    clock = [T0 + timedelta(seconds=30)]
    stop = ScriptedStop(clock, stop_after=3)
    scanner = FakeScanner()

    cycles = run_loop(
        scanner,  # type: ignore[arg-type]
        stop,
        interval=TWO_MIN,
        settle=SETTLE,
        clock=lambda: clock[0],
    )

    assert cycles == 3
    assert scanner.cycles == [
        T0 + timedelta(seconds=30),
        T0 + TWO_MIN + SETTLE,
        T0 + 2 * TWO_MIN + SETTLE,
    ]
    assert stop.waits == [95.0, 120.0, 120.0]


def test_run_loop_max_cycles_stops_without_waiting() -> None:
    clock = [T0]
    stop = ScriptedStop(clock, stop_after=10)
    reports: list[CycleReport] = []

    cycles = run_loop(
        FakeScanner(),  # type: ignore[arg-type]
        stop,
        clock=lambda: clock[0],
        on_cycle=reports.append,
        max_cycles=2,
    )

    assert cycles == 2 and len(reports) == 2
    assert len(stop.waits) == 1


def test_sigterm_mid_cycle_lets_the_cycle_finish_then_stops() -> None:
    scanner = FakeScanner(during=lambda: os.kill(os.getpid(), signal.SIGTERM))
    stop = threading.Event()
    before = signal.getsignal(signal.SIGTERM)

    with stop_on_signals(stop):
        cycles = run_loop(scanner, stop, interval=timedelta(hours=1))  # type: ignore[arg-type]

    assert (cycles, scanner.finished) == (1, 1)
    assert stop.is_set()
    assert signal.getsignal(signal.SIGTERM) is before, "the previous handler is restored"
