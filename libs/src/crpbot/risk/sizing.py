"""Position size from risk per trade and stop distance, capped by the FTMO floors.

The worst case counts every open approved signal as stopped out at once, on top of the
current equity (which already carries open P/L and fees): a new signal may only use what
is left above the higher floor. If that leftover is below `min_risk_fraction` of the normal
risk, the signal's stop could cross a floor at any sensible size and it is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crpbot.risk.account import AccountState, ApprovedSignal
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.ftmo import daily_floor, total_floor
from crpbot.risk.limits import RiskLimits


@dataclass(frozen=True, slots=True)
class Sizing:
    """`risk` = size × stop distance ≤ `headroom`; both 0 when rejected."""

    size: float
    risk: float
    desired_risk: float
    headroom: float


def is_open(signal: ApprovedSignal, now: datetime, limits: RiskLimits) -> bool:
    """Open until its lifetime ends; a future timestamp counts as open (never optimistic)."""
    return signal.ts >= now - limits.open_signal_lifetime


def open_risk(approved: Iterable[ApprovedSignal], now: datetime, limits: RiskLimits) -> float:
    return math.fsum(s.risk for s in approved if is_open(s, now, limits))


def headroom(state: AccountState, open_risk_now: float, limits: RiskLimits) -> tuple[float, Reason]:
    """Loss the account can still take, and the floor that binds it."""
    daily = state.equity - open_risk_now - daily_floor(state, limits)
    total = state.equity - open_risk_now - total_floor(state, limits)
    if daily <= total:
        return daily, Reason.STOP_CROSSES_DAILY_FLOOR
    return total, Reason.STOP_CROSSES_TOTAL_FLOOR


def size_signal(
    stop_distance: float, state: AccountState, open_risk_now: float, limits: RiskLimits
) -> tuple[Sizing, RuleDecision]:
    """Size for the normal risk, shrunk to the headroom; rejected when too little is left."""
    desired = state.balance * limits.risk_per_trade_pct / 100.0
    room, binding = headroom(state, open_risk_now, limits)
    allowed = min(desired, room)
    if desired <= 0 or allowed < desired * limits.min_risk_fraction:
        detail = f"headroom {room:.2f} below {limits.min_risk_fraction:.0%} of risk {desired:.2f}"
        return Sizing(0.0, 0.0, desired, room), RuleDecision.rejected(binding, detail)
    size = _size_within(allowed, stop_distance)
    return Sizing(size, size * stop_distance, desired, room), RuleDecision.passed()


def _size_within(allowed_risk: float, stop_distance: float) -> float:
    """Largest float size whose loss at the stop, as computed, does not exceed the allowance
    (plain division can round up by one ulp and cross the floor by a hair)."""
    size = allowed_risk / stop_distance
    while size > 0 and size * stop_distance > allowed_risk:
        size = math.nextafter(size, 0.0)
    return size
