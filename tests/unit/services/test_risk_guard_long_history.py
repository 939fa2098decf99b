"""The check reads only its window: trading days and "traded today" come from index seeks,
and they equal what reading every approval the account ever had gives (so decisions do too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from crpbot.db.models import RiskDecision
from crpbot.db.risk_repo import locked_account
from crpbot.risk import CheckRequest, Decision, RiskLimits, Side, Tier
from crpbot.risk.ftmo import previous_midnight, trading_days
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService

START = datetime(2023, 3, 20, tzinfo=UTC)  # a week before a DST switch
SPAN_MIN = 60 * 24 * 240


def _approve_at(engine: Engine, times: list[datetime]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(RiskDecision))
        for ts in times:
            conn.execute(
                RiskDecision.__table__.insert().values(
                    account_id="ftmo-1",
                    ts=ts,
                    symbol="BTC-USD",
                    side="long",
                    entry=100.0,
                    stop=99.0,
                    confidence=0.7,
                    tier="low",
                    approved=True,
                    size=0.001,
                    reasons=[],
                    created_at=ts,
                )
            )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    minutes=st.lists(st.integers(0, SPAN_MIN), max_size=40),
    timezone=st.sampled_from(["Europe/Prague", "UTC", "America/New_York", "Pacific/Kiritimati"]),
)
def test_trading_days_by_seeks_equal_reading_every_approval(
    service: RiskGuardService, engine: Engine, minutes: list[int], timezone: str
) -> None:
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, START))
    times = [START + timedelta(minutes=m) for m in minutes]
    _approve_at(engine, times)
    now = START + timedelta(minutes=SPAN_MIN // 2)
    day_start = previous_midnight(now, timezone)
    with locked_account(engine, "ftmo-1") as repo:
        assert repo.trading_days(timezone) == trading_days(times, timezone)
        assert repo.approved_since(day_start) == any(t >= day_start for t in times)


def _decide(engine: Engine, history_days: int) -> Decision:
    """Check one signal after `history_days` of 10 approvals per day."""
    service = RiskGuardService(engine, RiskLimits(risk_per_trade_pct=0.1))
    first = START - timedelta(days=history_days)
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, first))
    times = [first + timedelta(days=d, hours=h) for d in range(history_days) for h in range(10)]
    _approve_at(engine, times)
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, START))
    request = CheckRequest("ftmo-1", "ETH-USD", Side.LONG, 100.0, 99.0, 0.7, Tier.HIGH, START)
    return service.check(request)


def test_decision_with_a_long_history_equals_the_one_without_it(engine: Engine) -> None:
    long = _decide(engine, history_days=300)
    with engine.begin() as conn:
        conn.execute(delete(RiskDecision))
    assert long.approved and long.state.trading_days == 301
    short = _decide(engine, history_days=0)
    assert (long.approved, long.reasons, long.size) == (short.approved, short.reasons, short.size)
