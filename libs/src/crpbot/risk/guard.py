"""The risk guard: every rule composed into one decision.

Order, and what short-circuits:

1. `request.validate`: a malformed signal (price ≤ 0, stop on the wrong side, confidence out
   of [0, 1]) stops here; the other rules would divide by or trust its stop distance.
2. `ftmo.account_rule`: total breach, daily halt, target reached.
3. `cooldown.cooldown_rule`: N consecutive realised losses pause new signals.
4. `rate_limit.signals_rule`, then `rate_limit.high_tier_rule`.
5. `sizing.size_signal`: normal risk capped by the headroom above the higher floor after all
   open approved risk; too little headroom means the stop could cross a floor: rejected.
6. `exposure.exposure_rule` on the sized risk; skipped when sizing already rejected, since
   there is no size to judge.

Steps 2–6 all run, so a rejection lists every reason that applies (reports group by them).
The signal is approved only when no rule rejects; a rejection always has size 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from crpbot.risk import cooldown, exposure, ftmo, rate_limit, sizing
from crpbot.risk.account import AccountState, ApprovedSignal, History
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.limits import RiskLimits
from crpbot.risk.request import CheckRequest, validate


@dataclass(frozen=True, slots=True)
class GuardState:
    """The account as the guard sees it at `now` (served by `/v1/state`); `headroom` is the
    loss still possible above the higher floor after every open approval is stopped out,
    `cooldown_until` is set only while a pause lasts."""

    status: ftmo.FtmoStatus
    initial_balance: float
    balance: float
    equity: float
    day_start: datetime
    day_start_balance: float
    daily_floor: float
    total_floor: float
    target_balance: float
    trading_days: int
    open_risk: float
    headroom: float
    signals_last_hour: int
    high_tier_last_hour: int
    cooldown_until: datetime | None


@dataclass(frozen=True, slots=True)
class Decision:
    """`state` already counts this signal when it was approved."""

    approved: bool
    reasons: tuple[Reason, ...]
    details: tuple[str, ...]
    size: float
    risk: float
    state: GuardState


def describe(
    state: AccountState, history: History, now: datetime, limits: RiskLimits
) -> GuardState:
    counts = rate_limit.recent_counts(history.approved, now, limits)
    open_risk = sizing.open_risk(history.approved, now, limits)
    room, _ = sizing.headroom(state, open_risk, limits)
    pause_end = cooldown.cooldown_until(history.closed, limits)
    return GuardState(
        status=ftmo.status(state, limits),
        initial_balance=state.initial_balance,
        balance=state.balance,
        equity=state.equity,
        day_start=ftmo.previous_midnight(now, limits.timezone),
        day_start_balance=state.day_start_balance,
        daily_floor=ftmo.daily_floor(state, limits),
        total_floor=ftmo.total_floor(state, limits),
        target_balance=ftmo.target_balance(state, limits),
        trading_days=state.trading_days,
        open_risk=open_risk,
        headroom=room,
        signals_last_hour=counts.signals,
        high_tier_last_hour=counts.high_tier,
        cooldown_until=pause_end if pause_end is not None and pause_end > now else None,
    )


def check(
    request: CheckRequest,
    state: AccountState,
    history: History,
    now: datetime,
    limits: RiskLimits | None = None,
) -> Decision:
    """Decide on one signal at event time `now` (normally `request.ts`)."""
    limits = limits or RiskLimits()
    valid = validate(request)
    if not valid.ok:
        return _rejected([valid], describe(state, history, now, limits))
    verdicts, sized = _run_rules(request, state, history, now, limits)
    if any(not v.ok for v in verdicts):
        return _rejected(verdicts, describe(state, history, now, limits))
    approval = ApprovedSignal(request.ts, request.symbol, request.tier, sized.risk)
    after = replace(history, approved=[*history.approved, approval])
    after_state = describe(after_approval(state), after, now, limits)
    return Decision(True, (), (), sized.size, sized.risk, after_state)


def _run_rules(
    request: CheckRequest,
    state: AccountState,
    history: History,
    now: datetime,
    limits: RiskLimits,
) -> tuple[list[RuleDecision], sizing.Sizing]:
    counts = rate_limit.recent_counts(history.approved, now, limits)
    open_risk = sizing.open_risk(history.approved, now, limits)
    sized, size_verdict = sizing.size_signal(request.stop_distance, state, open_risk, limits)
    verdicts = [
        ftmo.account_rule(state, limits),
        cooldown.cooldown_rule(history.closed, now, limits),
        rate_limit.signals_rule(counts, limits),
        rate_limit.high_tier_rule(request.tier, counts, limits),
        size_verdict,
    ]
    if size_verdict.ok:
        symbol_risk = exposure.symbol_open_risk(history.approved, request.symbol, now, limits)
        verdicts.append(exposure.exposure_rule(symbol_risk, sized.risk, state, limits))
    return verdicts, sized


def after_approval(state: AccountState) -> AccountState:
    """The first approval of a local day makes it a trading day."""
    if state.traded_today:
        return state
    return replace(state, trading_days=state.trading_days + 1, traded_today=True)


def _rejected(verdicts: list[RuleDecision], state: GuardState) -> Decision:
    failed = [v for v in verdicts if not v.ok and v.reason is not None]
    return Decision(
        approved=False,
        reasons=tuple(v.reason for v in failed if v.reason is not None),
        details=tuple(v.detail for v in failed),
        size=0.0,
        risk=0.0,
        state=state,
    )
