"""Every limit the risk guard enforces, in one record so a config file can set them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Phase(StrEnum):
    """FTMO evaluation phase; it only changes the profit target."""

    CHALLENGE = "challenge"
    VERIFICATION = "verification"


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Defaults are FTMO's challenge rules and our rate limits; percentages are of the initial
    balance unless the name says otherwise.

    `open_signal_lifetime` is how long an approved signal counts as open risk: the guard
    never learns when a position closes, so it assumes the worst case for this long.
    `cooldown_lookback` bounds how far back realised losses can form a losing streak.
    """

    daily_loss_pct: float = 5.0
    total_loss_pct: float = 10.0
    challenge_target_pct: float = 10.0
    verification_target_pct: float = 5.0
    phase: Phase = Phase.CHALLENGE
    min_trading_days: int = 4
    stop_at_target: bool = True
    risk_per_trade_pct: float = 0.5
    min_risk_fraction: float = 0.25
    signals_per_hour: int = 10
    high_tier_per_hour: int = 5
    rate_window: timedelta = timedelta(hours=1)
    max_symbol_risk_pct: float = 1.5
    open_signal_lifetime: timedelta = timedelta(hours=4)
    cooldown_losses: int = 3
    cooldown_period: timedelta = timedelta(hours=2)
    cooldown_lookback: timedelta = timedelta(hours=24)
    timezone: str = "Europe/Prague"

    def __post_init__(self) -> None:
        _require(0 < self.daily_loss_pct < self.total_loss_pct < 100, "loss limits")
        _require(self.challenge_target_pct > 0 and self.verification_target_pct > 0, "targets")
        _require(0 < self.risk_per_trade_pct <= self.daily_loss_pct, "risk_per_trade_pct")
        _require(0 < self.min_risk_fraction <= 1, "min_risk_fraction")
        _require(0 <= self.high_tier_per_hour <= self.signals_per_hour, "rate limits")
        _require(self.signals_per_hour >= 0 and self.min_trading_days >= 0, "counts")
        _require(self.rate_window > timedelta(0), "rate_window")
        _require(self.max_symbol_risk_pct > 0, "max_symbol_risk_pct")
        _require(self.open_signal_lifetime >= timedelta(0), "open_signal_lifetime")
        _require(self.cooldown_losses >= 1, "cooldown_losses")
        _require(self.cooldown_period >= timedelta(0), "cooldown_period")
        _require(self.cooldown_lookback >= timedelta(0), "cooldown_lookback")

    @property
    def profit_target_pct(self) -> float:
        """The target of the current phase."""
        if self.phase is Phase.VERIFICATION:
            return self.verification_target_pct
        return self.challenge_target_pct


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"RiskLimits: inconsistent {what}")
