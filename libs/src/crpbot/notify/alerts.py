"""The alert kinds crpbot sends: plain records, so every channel formats the same facts.

Only these four reach people: an approved signal (something to act on), a risk halt or breach
(stop acting), the daily observation summary, and a failure an operator must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from crpbot.skill.gate import GateDecision


@dataclass(frozen=True, slots=True)
class SignalAlert:
    """A signal the risk guard approved; `size` is what the guard sized it to."""

    bot: str
    symbol: str
    side: Literal["long", "short"]
    entry: float
    stop: float
    target: float
    confidence: float
    tier: Literal["high", "medium", "low"]
    bar_ts: datetime
    expiry: datetime
    size: float
    gate: GateDecision | None = None
    """The skill gate of the signal's tier when it was sent; None (not read) reads as closed."""

    @property
    def proven(self) -> bool:
        return self.gate is not None and self.gate.open


@dataclass(frozen=True, slots=True)
class RiskAlert:
    """The account hit an FTMO limit: `halted_daily` until Prague midnight, or `breached_total`."""

    account: str
    status: Literal["halted_daily", "breached_total"]
    equity: float
    daily_floor: float
    total_floor: float
    ts: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DailyReportAlert:
    """One day of observation: what was produced, what resolved, where the account stands."""

    bot: str
    day: date
    signals: int
    approved: int
    rejected: int
    won: int
    lost: int
    expired: int
    equity: float
    daily_headroom: float
    gates: tuple[GateDecision, ...] = ()

    @property
    def win_rate(self) -> float | None:
        """Won over decided, won / (won + lost) (`crpbot.skill.expectancy`); None with none."""
        decided = self.won + self.lost
        return self.won / decided if decided else None


@dataclass(frozen=True, slots=True)
class FailureAlert:
    """A failure that needs a person (e.g. the operator cannot reconcile a bot, the scanner
    cannot reach the risk guard); `recovered` marks the all-clear that ends an outage."""

    component: str
    summary: str
    ts: datetime
    bot: str = ""
    recovered: bool = False


Alert = SignalAlert | RiskAlert | DailyReportAlert | FailureAlert
