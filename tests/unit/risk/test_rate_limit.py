"""Rolling-hour rate limits on event time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from crpbot.risk import ApprovedSignal, Reason, RiskLimits, Tier
from crpbot.risk.rate_limit import RateCounts, high_tier_rule, recent_counts, signals_rule


def test_recent_counts_window_is_closed_at_its_start(
    t0: datetime, approval: Callable[..., ApprovedSignal]
) -> None:
    signals = [
        approval(t0 - timedelta(hours=1, microseconds=1), tier=Tier.HIGH),
        approval(t0 - timedelta(hours=1), tier=Tier.HIGH),
        approval(t0 - timedelta(minutes=1), tier=Tier.LOW),
    ]
    assert recent_counts(signals, t0, RiskLimits()) == RateCounts(signals=2, high_tier=1)


@pytest.mark.parametrize(("count", "ok"), [(0, True), (9, True), (10, False), (11, False)])
def test_signals_rule_allows_at_most_the_limit(count: int, ok: bool) -> None:
    verdict = signals_rule(RateCounts(count, 0), RiskLimits())
    assert verdict.ok is ok
    assert verdict.reason is (None if ok else Reason.RATE_LIMIT)


@pytest.mark.parametrize(
    ("tier", "high", "ok"),
    [(Tier.HIGH, 4, True), (Tier.HIGH, 5, False), (Tier.MEDIUM, 5, True), (Tier.LOW, 9, True)],
)
def test_high_tier_rule_only_limits_high_tier(tier: Tier, high: int, ok: bool) -> None:
    verdict = high_tier_rule(tier, RateCounts(high, high), RiskLimits())
    assert verdict.ok is ok
    assert verdict.reason is (None if ok else Reason.HIGH_TIER_RATE_LIMIT)
