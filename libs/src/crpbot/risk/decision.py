"""What a rule answers: a verdict and a stable reason code that reports can group by."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Rejection reason codes; their values are part of the HTTP API and the stored data."""

    INVALID_PRICE = "invalid_price"
    INVALID_STOP = "invalid_stop"
    INVALID_CONFIDENCE = "invalid_confidence"
    TOTAL_LOSS_BREACHED = "total_loss_breached"
    DAILY_LOSS_HALTED = "daily_loss_halted"
    TARGET_REACHED = "target_reached"
    COOLDOWN = "cooldown_after_losses"
    RATE_LIMIT = "rate_limit_signals"
    HIGH_TIER_RATE_LIMIT = "rate_limit_high_tier"
    STOP_CROSSES_DAILY_FLOOR = "stop_crosses_daily_floor"
    STOP_CROSSES_TOTAL_FLOOR = "stop_crosses_total_floor"
    SYMBOL_EXPOSURE = "symbol_exposure_limit"


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """One rule's verdict; `detail` is for humans (logs, reports), `reason` for machines."""

    ok: bool
    reason: Reason | None = None
    detail: str = ""

    @classmethod
    def passed(cls) -> RuleDecision:
        return cls(ok=True)

    @classmethod
    def rejected(cls, reason: Reason, detail: str) -> RuleDecision:
        return cls(ok=False, reason=reason, detail=detail)
