"""Plain records of an account's recent past that the rules read: equity points, approvals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from crpbot.risk.request import Tier


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """One `/v1/equity` report: balance (closed trades) and equity (with open P/L and fees)."""

    ts: datetime
    balance: float
    equity: float


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the FTMO rules need, summarised by whoever holds the full history.

    `day_start_balance` is the balance at the previous Prague midnight; the lowest equities
    make a breach sticky even after equity recovers. `trading_days` counts local days with an
    approval, `traded_today` says whether the current one is already among them.
    """

    initial_balance: float
    balance: float
    equity: float
    day_start_balance: float
    lowest_equity_today: float
    lowest_equity_ever: float
    trading_days: int
    traded_today: bool = False


@dataclass(frozen=True, slots=True)
class ApprovedSignal:
    """A past approval; `risk` = size × |entry − stop|, the most it may lose."""

    ts: datetime
    symbol: str
    tier: Tier
    risk: float


@dataclass(frozen=True, slots=True)
class ClosedResult:
    """A realised balance change, i.e. a position that closed with this profit or loss."""

    ts: datetime
    pnl: float


@dataclass(frozen=True, slots=True)
class History:
    """Approvals (newest window at least) and realised results the rolling rules look at."""

    approved: Sequence[ApprovedSignal] = field(default_factory=tuple)
    closed: Sequence[ClosedResult] = field(default_factory=tuple)
