"""Cooldown after consecutive losses: a losing streak often means the market left the regime
the models learnt, so the guard pauses new signals for a while."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from crpbot.risk.account import ClosedResult, EquityPoint
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.limits import RiskLimits


def closed_results(points: Sequence[EquityPoint]) -> tuple[ClosedResult, ...]:
    """The balance only moves when a position closes, so each change is one realised result."""
    return tuple(
        ClosedResult(ts=cur.ts, pnl=cur.balance - prev.balance)
        for prev, cur in pairwise(points)
        if cur.balance != prev.balance
    )


def cooldown_until(results: Sequence[ClosedResult], limits: RiskLimits) -> datetime | None:
    """End of the pause if the newest results are at least N losses in a row, else None."""
    streak = 0
    for result in reversed(results):
        if result.pnl >= 0:
            break
        streak += 1
    if streak < limits.cooldown_losses:
        return None
    return results[-1].ts + limits.cooldown_period


def cooldown_rule(
    results: Sequence[ClosedResult], now: datetime, limits: RiskLimits
) -> RuleDecision:
    until = cooldown_until(results, limits)
    if until is not None and now < until:
        detail = f"{limits.cooldown_losses}+ consecutive losses; paused until {until.isoformat()}"
        return RuleDecision.rejected(Reason.COOLDOWN, detail)
    return RuleDecision.passed()
