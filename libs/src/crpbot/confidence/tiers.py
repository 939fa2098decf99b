"""Map a calibrated confidence to high/medium/low.

The confidence thresholded here is the DIRECTION probability of the favoured side:
max(P(up), 1 - P(up)), P(up) being the calibrated probability that the close `horizon` bars
later is above the close now (docs/evaluation.md, "What the probability means"). It is not a
probability that the trade reaches its target before its stop; that is a trade result,
reported as such (win rate, expectancy), never put on this scale.

Thresholds are configuration, not code: the rate limiter counts high-tier signals
separately, so the operator tunes how many reach that tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Tier = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class TierThresholds:
    """confidence >= high -> high; >= medium -> medium; else low."""

    high: float = 0.65
    medium: float = 0.55

    def __post_init__(self) -> None:
        if not 0.5 <= self.medium <= self.high <= 1.0:
            raise ValueError("need 0.5 <= medium <= high <= 1")


def tier_for(confidence: float, thresholds: TierThresholds) -> Tier:
    """The tier of one confidence value."""
    if confidence >= thresholds.high:
        return "high"
    if confidence >= thresholds.medium:
        return "medium"
    return "low"


def tiers_for(confidence: npt.NDArray[np.float64], thresholds: TierThresholds) -> list[Tier]:
    """Tiers for many values, same rule as `tier_for`."""
    return [tier_for(float(c), thresholds) for c in np.asarray(confidence)]
