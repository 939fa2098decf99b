from __future__ import annotations

import numpy as np
import pytest

from crpbot.confidence.tiers import Tier, TierThresholds, tier_for, tiers_for


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        (0.5, "low"),
        (0.549, "low"),
        (0.55, "medium"),
        (0.649, "medium"),
        (0.65, "high"),
        (1, "high"),
    ],
)
def test_tier_for_default_thresholds(confidence: float, expected: Tier) -> None:
    assert tier_for(confidence, TierThresholds()) == expected


def test_tiers_for_uses_configured_thresholds() -> None:
    thresholds = TierThresholds(high=0.8, medium=0.6)
    assert tiers_for(np.array([0.59, 0.6, 0.79, 0.8]), thresholds) == [
        "low",
        "medium",
        "medium",
        "high",
    ]


@pytest.mark.parametrize(("high", "medium"), [(0.6, 0.7), (1.2, 0.6), (0.7, 0.4)])
def test_tier_thresholds_reject_inconsistent_values(high: float, medium: float) -> None:
    with pytest.raises(ValueError):
        TierThresholds(high=high, medium=medium)
