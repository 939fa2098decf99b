"""Plain records for the aggregation tests: what the repositories would hand over."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from crpbot.db.records import OutcomeRecord, ScanCycleRecord, SignalRecord
from crpbot.db.vocabulary import OutcomeResult
from tests.fixtures.db import make_signal


def signal_at(bar: datetime, status: str = "approved", **changes: Any) -> SignalRecord:
    """A signal of bot `demo` with its bar at `bar`."""
    return make_signal(bar_ts=bar, status=status, expiry=bar + timedelta(hours=6), **changes)


def resolved(
    signal: SignalRecord, result: OutcomeResult, at: datetime, r: float, signal_id: int = 1
) -> tuple[SignalRecord, OutcomeRecord]:
    """The signal as stored (with `signal_id`) and its outcome."""
    return replace(signal, id=signal_id), OutcomeRecord(signal_id, result, at, 100.0, r)


def cycle_at(started: datetime, duration: float = 1.0, failed: int = 0) -> ScanCycleRecord:
    return ScanCycleRecord(
        bot="demo",
        started_at=started,
        finished_at=started + timedelta(seconds=duration),
        duration_s=duration,
        symbols_ok=2 - failed,
        symbols_failed=failed,
        signals=0,
    )
