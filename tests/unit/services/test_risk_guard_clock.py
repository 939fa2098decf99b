"""The guard's wall clock bounds event times from above: a request from the future is refused
instead of becoming the account's newest time and locking every later request out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from crpbot.db.models import RiskDecision
from crpbot.risk import CheckRequest, RiskLimits
from crpbot.services.risk_guard import (
    EquityUpdate,
    FutureEventError,
    RiskGuardService,
    StaleEventError,
)

NOW = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


@pytest.fixture
def clocked(engine: Engine, limits: RiskLimits) -> RiskGuardService:
    return RiskGuardService(engine, limits, clock=lambda: NOW, max_clock_skew=SKEW)


@pytest.mark.parametrize(
    "ahead",
    [SKEW + timedelta(seconds=1), timedelta(days=1), timedelta(days=365 * 7000)],
    ids=["skew+1s", "a day", "year 9000"],
)
def test_future_event_is_refused_and_the_account_keeps_working(
    clocked: RiskGuardService, signal: Callable[..., CheckRequest], ahead: timedelta
) -> None:
    clocked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, NOW - timedelta(hours=1)))
    with pytest.raises(FutureEventError, match="ahead of the guard's clock"):
        clocked.check(signal(NOW + ahead))
    with pytest.raises(FutureEventError):
        clocked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 90_000.0, NOW + ahead))
    later = clocked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 94_000.0, NOW))
    assert str(later.status) == "halted_daily", "the equity drop after the refusal still counts"


@pytest.mark.parametrize("ahead", [timedelta(0), SKEW], ids=["now", "exactly the skew"])
def test_event_within_the_skew_and_past_replays_are_accepted(
    clocked: RiskGuardService, signal: Callable[..., CheckRequest], ahead: timedelta
) -> None:
    clocked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, NOW - timedelta(days=400)))
    assert clocked.check(signal(NOW + ahead)).approved


def test_reset_clock_unsticks_an_account_locked_by_a_future_time(
    engine: Engine, limits: RiskLimits, signal: Callable[..., CheckRequest]
) -> None:
    """An account locked before the skew check existed: its newest time is a year ahead."""
    future = NOW + timedelta(days=365)
    unchecked = RiskGuardService(engine, limits, clock=lambda: future)
    unchecked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, NOW))
    assert unchecked.check(signal(future)).approved
    guard = RiskGuardService(engine, limits, clock=lambda: NOW, max_clock_skew=SKEW)
    with pytest.raises(StaleEventError):
        guard.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, NOW))

    before, after, moved = guard.reset_clock("ftmo-1")

    assert (before, after, moved) == (future, NOW, 1)
    state = guard.record_equity(EquityUpdate("ftmo-1", 100_000.0, 94_000.0, NOW))
    assert str(state.status) == "halted_daily"
    assert state.signals_last_hour == 1, "the re-stamped approval still counts"
    with engine.connect() as conn:
        assert conn.scalar(select(RiskDecision.ts)) == NOW


def test_reset_clock_recounts_the_trading_days_it_merges(
    engine: Engine, limits: RiskLimits, signal: Callable[..., CheckRequest]
) -> None:
    """Approvals on two future days re-stamped to today make today one trading day, not
    three: the running count is redone from the approvals."""
    unchecked = RiskGuardService(engine, limits, clock=lambda: NOW + timedelta(days=3))
    unchecked.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, NOW))
    for day in (0, 1, 2):
        assert unchecked.check(signal(NOW + timedelta(days=day))).approved
    assert unchecked.state("ftmo-1").trading_days == 3
    guard = RiskGuardService(engine, limits, clock=lambda: NOW, max_clock_skew=SKEW)

    guard.reset_clock("ftmo-1")

    assert guard.state("ftmo-1").trading_days == 1
    after = guard.check(signal(NOW + timedelta(minutes=1)))
    assert after.approved and after.state.trading_days == 1, "today already counted"
    next_day = RiskGuardService(engine, limits, clock=lambda: NOW + timedelta(days=1))
    assert next_day.check(signal(NOW + timedelta(days=1))).state.trading_days == 2
