"""Signal rate limits over a rolling window of event time (10 approved, 5 high-tier per hour).

The window is closed: approvals at exactly `now − window` still count, so no interval of that
length, open or closed, ever holds more approvals than the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crpbot.risk.account import ApprovedSignal
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.limits import RiskLimits
from crpbot.risk.request import Tier


@dataclass(frozen=True, slots=True)
class RateCounts:
    signals: int
    high_tier: int


def recent_counts(
    approved: Iterable[ApprovedSignal], now: datetime, limits: RiskLimits
) -> RateCounts:
    start = now - limits.rate_window
    recent = [s for s in approved if s.ts >= start]
    return RateCounts(len(recent), sum(1 for s in recent if s.tier is Tier.HIGH))


def signals_rule(counts: RateCounts, limits: RiskLimits) -> RuleDecision:
    if counts.signals >= limits.signals_per_hour:
        detail = f"{counts.signals} approved in the window, limit {limits.signals_per_hour}"
        return RuleDecision.rejected(Reason.RATE_LIMIT, detail)
    return RuleDecision.passed()


def high_tier_rule(tier: Tier, counts: RateCounts, limits: RiskLimits) -> RuleDecision:
    if tier is Tier.HIGH and counts.high_tier >= limits.high_tier_per_hour:
        detail = f"{counts.high_tier} high-tier in the window, limit {limits.high_tier_per_hour}"
        return RuleDecision.rejected(Reason.HIGH_TIER_RATE_LIMIT, detail)
    return RuleDecision.passed()
