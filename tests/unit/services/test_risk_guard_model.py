"""The service against the pure guard: for random sequences of equity reports and checks,
the service (state loaded back from SQLite) decides exactly as the pure guard does when fed
the complete in-memory history. This catches any window the service loads too narrowly."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpbot.risk import (
    ApprovedSignal,
    CheckRequest,
    EquityPoint,
    History,
    RiskLimits,
    Side,
    Tier,
    check,
)
from crpbot.risk.cooldown import closed_results
from crpbot.risk.ftmo import account_state, previous_midnight, trading_days
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService

LIMITS = RiskLimits(risk_per_trade_pct=1.0, cooldown_lookback=timedelta(days=3650))
_accounts = itertools.count()


@dataclass
class Reference:
    """The complete history in memory, the way the property tests of the rules use it."""

    initial: float
    points: list[EquityPoint]
    approved: list[ApprovedSignal] = field(default_factory=list)

    def decide(self, request: CheckRequest) -> tuple[bool, tuple[str, ...], float]:
        now = request.ts
        start = previous_midnight(now)
        before = [p for p in self.points if p.ts < start]
        days = [a.ts for a in self.approved]
        state = account_state(
            self.initial,
            before[-1] if before else None,
            [p for p in self.points if p.ts >= start],
            min((p.equity for p in before), default=None),
            trading_days(days),
            any(d >= start for d in days),
        )
        history = History(self.approved, closed_results(self.points))
        decision = check(request, state, history, now, LIMITS)
        if decision.approved:
            self.approved.append(ApprovedSignal(now, request.symbol, request.tier, decision.risk))
        return decision.approved, tuple(map(str, decision.reasons)), decision.size


ops = st.lists(
    st.tuples(
        st.integers(0, 180),
        st.one_of(
            st.tuples(st.just("equity"), st.floats(-2_500, 2_500), st.floats(-3_000, 1_000)),
            st.tuples(st.just("check"), st.sampled_from(list(Tier)), st.floats(0.1, 10.0)),
        ),
    ),
    max_size=25,
)


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.datetimes(datetime(2024, 1, 1), datetime(2024, 12, 31), timezones=st.just(UTC)),
    steps=ops,
)
def test_service_decides_like_the_pure_guard_on_full_history(
    service: RiskGuardService, start: datetime, steps: list[tuple[int, tuple[object, ...]]]
) -> None:
    service.limits = LIMITS
    account = f"model-{next(_accounts)}"
    service.record_equity(EquityUpdate(account, 100_000.0, 100_000.0, start))
    reference = Reference(100_000.0, [EquityPoint(start, 100_000.0, 100_000.0)])
    now = start
    for minutes, (kind, first, second) in steps:
        now += timedelta(minutes=minutes)
        if kind == "equity":
            assert isinstance(first, float) and isinstance(second, float)
            balance = reference.points[-1].balance + first
            reference.points.append(EquityPoint(now, balance, balance + second))
            service.record_equity(EquityUpdate(account, balance, balance + second, now))
            continue
        assert isinstance(first, Tier) and isinstance(second, float)
        request = CheckRequest(
            account, "BTC-USD", Side.SHORT, 100.0, 100.0 + second, 0.7, first, now
        )
        answer = service.check(request)
        approved, reasons, size = reference.decide(request)
        assert (answer.approved, tuple(map(str, answer.reasons))) == (approved, reasons)
        assert answer.size == pytest.approx(size)
