"""The paper account of observation mode and its distance to the FTMO floors.

In observation mode no order is sent, so the equity a report shows is simulated from the
outcomes of APPROVED signals. Assumptions (stated in every report):

- each approved signal risks `risk_per_trade_pct` % of the paper balance just before its
  outcome is booked, so a result of `r` R changes the balance by `r × risk`; this mirrors the
  guard's sizing (risk per trade as a share of balance) and compounds;
- a trade is booked when its outcome resolves (`resolved_ts`), in resolution order; open
  positions are not marked to market, so equity equals balance and intraday drawdowns of open
  trades are not seen: the headroom shown is an upper bound;
- rejected signals are never traded (their outcomes only feed calibration).

The floors come from `crpbot.risk.ftmo`, the same functions the guard decides with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crpbot.db.records import OutcomeRecord, SignalRecord
from crpbot.risk import EquityPoint, RiskLimits
from crpbot.risk.ftmo import (
    FloorHeadroom,
    account_state,
    daily_floor,
    previous_midnight,
    total_floor,
)


@dataclass(frozen=True, slots=True)
class PaperTrade:
    """One booked outcome: the R it made, the money that is, and the balance after it."""

    ts: datetime
    signal_id: int
    symbol: str
    r_multiple: float
    pnl: float
    balance: float


@dataclass(frozen=True, slots=True)
class HeadroomPoint(FloorHeadroom):
    """Equity against both floors at one instant."""

    ts: datetime
    equity: float
    daily_floor: float
    total_floor: float


def paper_trades(
    resolved: Iterable[tuple[SignalRecord, OutcomeRecord]],
    initial_balance: float,
    risk_per_trade_pct: float,
) -> list[PaperTrade]:
    """Book every approved signal's outcome in resolution order (see the module notes)."""
    approved = [pair for pair in resolved if pair[0].status == "approved"]
    approved.sort(key=lambda pair: (pair[1].resolved_ts, pair[1].signal_id))
    balance = initial_balance
    trades: list[PaperTrade] = []
    for signal, outcome in approved:
        pnl = outcome.r_multiple * balance * risk_per_trade_pct / 100.0
        balance += pnl
        trades.append(
            PaperTrade(
                ts=outcome.resolved_ts,
                signal_id=outcome.signal_id,
                symbol=signal.symbol,
                r_multiple=outcome.r_multiple,
                pnl=pnl,
                balance=balance,
            )
        )
    return trades


def balance_before(trades: Sequence[PaperTrade], ts: datetime, initial_balance: float) -> float:
    """The paper balance just before `ts` (trades are in booking order)."""
    earlier = [t.balance for t in trades if t.ts < ts]
    return earlier[-1] if earlier else initial_balance


def equity_curve(
    trades: Sequence[PaperTrade], start: datetime, end: datetime, initial_balance: float
) -> list[EquityPoint]:
    """The paper equity in [start, end): the opening balance at `start`, then each booking."""
    opening = balance_before(trades, start, initial_balance)
    points = [EquityPoint(start, opening, opening)]
    points += [EquityPoint(t.ts, t.balance, t.balance) for t in trades if start <= t.ts < end]
    return points


def day_starts(start: datetime, end: datetime, timezone: str) -> list[datetime]:
    """FTMO day starts (local midnights of `timezone`) strictly inside (start, end)."""
    zone = ZoneInfo(timezone)
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    midnights = (datetime.combine(d, time(0), tzinfo=zone).astimezone(start.tzinfo) for d in days)
    return [m for m in midnights if start < m < end]


def with_day_starts(
    points: Sequence[EquityPoint], start: datetime, end: datetime, timezone: str
) -> list[EquityPoint]:
    """`points` plus the last known point carried to `start` and to every day start in
    (start, end): the daily floor moves at midnight even when nothing else happens, and a
    chart of the window must begin at its start."""
    carried = []
    for instant in [start, *day_starts(start, end, timezone)]:
        earlier = [p for p in points if p.ts <= instant]
        if earlier and earlier[-1].ts != instant:
            carried.append(EquityPoint(instant, earlier[-1].balance, earlier[-1].equity))
    return sorted([*points, *carried], key=lambda p: p.ts)


def paper_headroom(
    trades: Sequence[PaperTrade],
    start: datetime,
    end: datetime,
    initial_balance: float,
    limits: RiskLimits,
) -> list[HeadroomPoint]:
    """The paper curve of [start, end) against the floors; earlier bookings open the days."""
    history = [EquityPoint(t.ts, t.balance, t.balance) for t in trades if t.ts < start]
    curve = with_day_starts(
        history + equity_curve(trades, start, end, initial_balance), start, end, limits.timezone
    )
    return [point for point in headroom(curve, initial_balance, limits) if point.ts >= start]


def headroom(
    points: Sequence[EquityPoint], initial_balance: float, limits: RiskLimits
) -> list[HeadroomPoint]:
    """Each point against the floors the guard would apply at its time.

    `points` are oldest first and must include the newest point before the first FTMO day
    they cover (or none if the account had none): that point's balance opens the day.
    """
    out: list[HeadroomPoint] = []
    day_open: EquityPoint | None = None
    earlier = 0
    for point in points:
        day_start = previous_midnight(point.ts, limits.timezone)
        while earlier < len(points) and points[earlier].ts < day_start:
            day_open = points[earlier]
            earlier += 1
        state = account_state(initial_balance, day_open, [point], None, 0)
        out.append(
            HeadroomPoint(
                ts=point.ts,
                equity=point.equity,
                daily_floor=daily_floor(state, limits),
                total_floor=total_floor(state, limits),
            )
        )
    return out


def max_drawdown_pct(points: Sequence[EquityPoint]) -> float:
    """Largest fall from a running peak, in % of that peak (0 for a curve that never fell)."""
    peak = float("-inf")
    worst = 0.0
    for point in points:
        peak = max(peak, point.equity)
        if peak > 0:
            worst = max(worst, (peak - point.equity) / peak * 100.0)
    return worst
