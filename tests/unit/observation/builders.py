"""Plain records for the aggregation tests: what the repositories would hand over."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from crpbot.db.records import OutcomeRecord, ScanCycleRecord, ScoredBarRecord, SignalRecord
from crpbot.db.vocabulary import OutcomeResult
from tests.fixtures.db import make_cycle, make_scored_bar, make_signal


def signal_at(bar: datetime, status: str = "approved", **changes: Any) -> SignalRecord:
    """A signal of bot `demo` with its bar at `bar`."""
    return make_signal(bar_ts=bar, status=status, expiry=bar + timedelta(hours=6), **changes)


def resolved(
    signal: SignalRecord, result: OutcomeResult, at: datetime, r: float, signal_id: int = 1
) -> tuple[SignalRecord, OutcomeRecord]:
    """The signal as stored (with `signal_id`) and its outcome."""
    return replace(signal, id=signal_id), OutcomeRecord(signal_id, result, at, 100.0, r)


def cycle_at(started: datetime, duration: float = 1.0, failed: int = 0) -> ScanCycleRecord:
    return make_cycle(started, duration, failed)


def scored_at(bar: datetime, *, p_cal: float, went_up: bool, resolved: datetime) -> ScoredBarRecord:
    """A scored bar of bot `demo` whose direction outcome resolved at `resolved`."""
    return make_scored_bar(
        bar,
        p_cal,
        went_up=went_up,
        close_at_horizon=101.0 if went_up else 99.0,
        resolved_ts=resolved,
    )
