"""Property tests: no sequence of equity updates and checks makes the guard approve a signal
that could breach the daily or total floor (counting every open approval stopped out at
once), or exceed either rate limit in any rolling hour.

The invariants are computed here from the raw sequence, independently of the guard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpbot.risk import (
    AccountState,
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
from crpbot.risk.ftmo import account_state

PRAGUE = ZoneInfo("Europe/Prague")
TOLERANCE = 1e-6


@dataclass(frozen=True)
class EquityOp:
    minutes: int
    balance_change: float
    open_pnl: float


@dataclass(frozen=True)
class CheckOp:
    minutes: int
    symbol: str
    side: Side
    tier: Tier
    stop_pct: float


@dataclass
class Account:
    initial: float
    points: list[EquityPoint]
    approved: list[ApprovedSignal] = field(default_factory=list)

    def day_start(self, now: datetime) -> datetime:
        local = now.astimezone(PRAGUE)
        return datetime.combine(local.date(), time(0), tzinfo=PRAGUE).astimezone(UTC)

    def state(self, now: datetime) -> AccountState:
        start = self.day_start(now)
        before = [p for p in self.points if p.ts < start]
        today = [p for p in self.points if p.ts >= start]
        days = {a.ts.astimezone(PRAGUE).date() for a in self.approved}
        return account_state(
            self.initial,
            before[-1] if before else None,
            today,
            min((p.equity for p in before), default=None),
            len(days),
            now.astimezone(PRAGUE).date() in days,
        )

    def daily_floor(self, now: datetime) -> float:
        before = [p for p in self.points if p.ts < self.day_start(now)]
        day_balance = before[-1].balance if before else self.initial
        return day_balance - 0.05 * self.initial


equity_ops = st.builds(
    EquityOp,
    minutes=st.integers(0, 600),
    balance_change=st.floats(-3_000, 3_000),
    open_pnl=st.floats(-4_000, 2_000),
)
check_ops = st.builds(
    CheckOp,
    minutes=st.integers(0, 12),
    symbol=st.sampled_from(["BTC-USD", "ETH-USD", "SOL-USD"]),
    side=st.sampled_from(list(Side)),
    tier=st.sampled_from(list(Tier)),
    stop_pct=st.floats(0.05, 20.0),
)
limits_strategy = st.builds(
    RiskLimits,
    risk_per_trade_pct=st.floats(0.05, 3.0),
    max_symbol_risk_pct=st.floats(0.2, 20.0),
    open_signal_lifetime=st.timedeltas(timedelta(0), timedelta(hours=12)),
    min_risk_fraction=st.floats(0.01, 1.0),
    cooldown_losses=st.integers(1, 6),
)
starts = st.datetimes(datetime(2023, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC))


def _request(op: CheckOp, now: datetime) -> CheckRequest:
    entry = 100.0
    stop = (
        entry * (1 - op.stop_pct / 100) if op.side is Side.LONG else entry * (1 + op.stop_pct / 100)
    )
    return CheckRequest("acc", op.symbol, op.side, entry, stop, 0.7, op.tier, now)


def _assert_safe(account: Account, now: datetime, limits: RiskLimits) -> None:
    latest = account.points[-1]
    open_loss = math.fsum(
        a.risk for a in account.approved if a.ts >= now - limits.open_signal_lifetime
    )
    total_floor = 0.9 * account.initial
    daily_floor = account.daily_floor(now)
    assert latest.equity - open_loss >= max(daily_floor, total_floor) - TOLERANCE
    recent = [a for a in account.approved if a.ts >= now - timedelta(hours=1)]
    assert len(recent) <= 10
    assert sum(1 for a in recent if a.tier is Tier.HIGH) <= 5
    today = [p.equity for p in account.points if p.ts >= account.day_start(now)]
    assert min(today, default=latest.equity) >= daily_floor
    assert min(p.equity for p in account.points) >= total_floor


def _apply(account: Account, op: EquityOp | CheckOp, now: datetime, limits: RiskLimits) -> None:
    if isinstance(op, EquityOp):
        balance = account.points[-1].balance + op.balance_change
        account.points.append(EquityPoint(now, balance, balance + op.open_pnl))
        return
    history = History(account.approved, closed_results(account.points))
    decision = check(_request(op, now), account.state(now), history, now, limits)
    if decision.approved:
        assert decision.size > 0
        account.approved.append(ApprovedSignal(now, op.symbol, op.tier, decision.risk))
        _assert_safe(account, now, limits)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=starts,
    initial=st.floats(10_000, 1_000_000),
    ops=st.lists(st.one_of(equity_ops, check_ops, check_ops), max_size=60),
    limits=limits_strategy,
)
def test_guard_never_approves_a_possible_breach_or_a_rate_excess(
    start: datetime, initial: float, ops: list[EquityOp | CheckOp], limits: RiskLimits
) -> None:
    account = Account(initial, [EquityPoint(start, initial, initial)])
    now = start
    for op in ops:
        now += timedelta(minutes=op.minutes)
        _apply(account, op, now, limits)


@settings(max_examples=150, deadline=None)
@given(
    start=starts,
    gaps=st.lists(st.sampled_from([0, 1, 5, 6, 12, 30, 60]), min_size=1, max_size=80),
    tiers=st.lists(st.sampled_from(list(Tier)), min_size=80, max_size=80),
)
def test_guard_rate_limits_hold_under_a_burst_of_tiny_signals(
    start: datetime, gaps: list[int], tiers: list[Tier]
) -> None:
    limits = RiskLimits(risk_per_trade_pct=0.01, max_symbol_risk_pct=50.0)
    account = Account(100_000.0, [EquityPoint(start, 100_000.0, 100_000.0)])
    now = start
    approvals_per_op = []
    for gap, tier in zip(gaps, tiers, strict=False):
        now += timedelta(minutes=gap)
        before = len(account.approved)
        _apply(account, CheckOp(0, "BTC-USD", Side.LONG, tier, 1.0), now, limits)
        approvals_per_op.append(len(account.approved) - before)
    assert sum(approvals_per_op) >= min(len(gaps), 5)
