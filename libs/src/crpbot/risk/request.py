"""The signal a scanner asks the guard about, and the sanity rule every other rule relies on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from crpbot.risk.decision import Reason, RuleDecision


class Side(StrEnum):
    LONG = "long"
    SHORT = "short"


class Tier(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """A proposed signal; `ts` is event time (the bar close it was computed on)."""

    account: str
    symbol: str
    side: Side
    entry: float
    stop: float
    confidence: float
    tier: Tier
    ts: datetime

    @property
    def stop_distance(self) -> float:
        return abs(self.entry - self.stop)

    def order_fields(self) -> dict[str, str | float]:
        """The proposed order in plain values: what the guard stores of it and what the wire
        carries, each beside its own account and time fields."""
        return {
            "symbol": self.symbol,
            "side": str(self.side),
            "entry": self.entry,
            "stop": self.stop,
            "confidence": self.confidence,
            "tier": str(self.tier),
        }


def validate(request: CheckRequest) -> RuleDecision:
    """Sizing divides by the stop distance and trusts its sign, so a stop on the wrong side of
    the entry (or no distance at all) must never reach it."""
    if not (_positive(request.entry) and _positive(request.stop)):
        return RuleDecision.rejected(Reason.INVALID_PRICE, "entry and stop must be > 0")
    wrong_side = (
        request.stop >= request.entry
        if request.side is Side.LONG
        else (request.stop <= request.entry)
    )
    if wrong_side:
        return RuleDecision.rejected(
            Reason.INVALID_STOP, f"a {request.side} stop must lie beyond the entry on the loss side"
        )
    if not (math.isfinite(request.confidence) and 0.0 <= request.confidence <= 1.0):
        return RuleDecision.rejected(Reason.INVALID_CONFIDENCE, "confidence must be in [0, 1]")
    return RuleDecision.passed()


def _positive(value: float) -> bool:
    return math.isfinite(value) and value > 0
