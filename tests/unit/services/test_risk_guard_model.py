"""The service against the pure guard: for random sequences of equity reports, checks and
clock resets, the service (state loaded back from SQLite, whole-history figures kept as
running counters on the account row) decides and reports exactly what the pure guard does
when fed the complete in-memory history (trading days counted over every approval, lowest
equity over every report). This catches any window the service loads too narrowly and any
counter that drifts from the history it summarises."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpbot.risk import (
    AccountState,
    ApprovedSignal,
    CheckRequest,
    Decision,
    EquityPoint,
    GuardState,
    History,
    RiskLimits,
    Side,
    Tier,
    check,
    describe,
)
from crpbot.risk.cooldown import closed_results
from crpbot.risk.ftmo import account_state, previous_midnight, trading_days
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService

LIMITS = RiskLimits(risk_per_trade_pct=1.0, cooldown_lookback=timedelta(days=3650))
_accounts = itertools.count()
# the nights Prague's clocks change: the local day is 23 or 25 hours long
DST_EVES = [datetime(2024, 3, 30, 20, tzinfo=UTC), datetime(2024, 10, 26, 20, tzinfo=UTC)]


@dataclass
class Reference:
    """The complete history in memory, the way the property tests of the rules use it."""

    initial: float
    points: list[EquityPoint]
    approved: list[ApprovedSignal] = field(default_factory=list)

    def _load(self, now: datetime) -> tuple[AccountState, History]:
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
        return state, History(self.approved, closed_results(self.points))

    def report(self, point: EquityPoint) -> GuardState:
        self.points.append(point)
        return describe(*self._load(point.ts), point.ts, LIMITS)

    def decide(self, request: CheckRequest) -> Decision:
        decision = check(request, *self._load(request.ts), request.ts, LIMITS)
        if decision.approved:
            self.approved.append(
                ApprovedSignal(request.ts, request.symbol, request.tier, decision.risk)
            )
        return decision

    def rewind(self, to: datetime) -> GuardState:
        """What `reset_clock` does: everything stamped after `to` is re-stamped to it."""
        self.points = [p if p.ts <= to else replace(p, ts=to) for p in self.points]
        self.approved = [a if a.ts <= to else replace(a, ts=to) for a in self.approved]
        return describe(*self._load(to), to, LIMITS)


gaps = st.one_of(st.integers(0, 180), st.integers(600, 3 * 24 * 60))
ops = st.lists(
    st.tuples(
        gaps,
        st.one_of(
            st.tuples(st.just("equity"), st.floats(-2_500, 2_500), st.floats(-3_000, 1_000)),
            # a dip through the total floor, which must stay a breach after equity recovers
            st.tuples(st.just("equity"), st.floats(-2_500, 2_500), st.floats(-12_000, 0)),
            st.tuples(st.just("check"), st.sampled_from(list(Tier)), st.floats(0.1, 10.0)),
            st.tuples(st.just("rewind"), st.integers(0, 2 * 24 * 60), st.none()),
        ),
    ),
    max_size=25,
)


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.one_of(
        st.datetimes(datetime(2024, 1, 1), datetime(2024, 12, 31), timezones=st.just(UTC)),
        st.sampled_from(DST_EVES),
    ),
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
        if kind == "rewind":
            assert isinstance(first, int)
            now = max(start, now - timedelta(minutes=first))
            service.reset_clock(account, now)
            assert service.state(account) == reference.rewind(now)
        elif kind == "equity":
            assert isinstance(first, float) and isinstance(second, float)
            point = EquityPoint(now, reference.points[-1].balance + first, 0.0)
            point = replace(point, equity=point.balance + second)
            reported = service.record_equity(
                EquityUpdate(account, point.balance, point.equity, now)
            )
            assert reported == reference.report(point)
        else:
            assert isinstance(first, Tier) and isinstance(second, float)
            request = CheckRequest(
                account, "BTC-USD", Side.SHORT, 100.0, 100.0 + second, 0.7, first, now
            )
            answer, expected = service.check(request), reference.decide(request)
            assert (answer.approved, answer.reasons) == (expected.approved, expected.reasons)
            assert answer.size == pytest.approx(expected.size)
            assert answer.state == expected.state, "trading days, floors, counts as the oracle"
