"""One observation period summarised: what the daily report shows and the export writes.

`summarize` is a pure function of the loaded records (`PeriodRecords`), so the same figures
come out of a live database, a replay, or a test's hand-made records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean

import numpy as np

from crpbot.confidence.reliability import expected_calibration_error
from crpbot.db.records import (
    CalibrationChangeRecord,
    OutcomeRecord,
    PatternStatRecord,
    ScanCycleRecord,
    ScoredBarRecord,
    SignalRecord,
)
from crpbot.observation.paper_account import (
    HeadroomPoint,
    equity_curve,
    headroom,
    max_drawdown_pct,
    paper_headroom,
    paper_trades,
    with_day_starts,
)
from crpbot.observation.stats import (
    ConfidenceBucket,
    HourOfDayRow,
    HourRow,
    Period,
    ReasonCount,
    WinRate,
    by_hour_of_day,
    confidence_buckets,
    decisions_by_reason,
    direction_pairs,
    hourly_rows,
    in_period,
    resolved_in,
    win_rate,
)
from crpbot.risk import EquityPoint, RiskLimits
from crpbot.services.bot_service import TIERS, TierStats, tier_stats
from crpbot.skill.expectancy import summarize as summarize_r
from crpbot.skill.expectancy import trade_r
from crpbot.skill.gate import GateDecision, GateRules, skill_gates


@dataclass(frozen=True, slots=True)
class PeriodRecords:
    """Everything one period's report reads, as loaded from the repositories.

    `resolved` reaches back before the period (the paper balance opens with it);
    `account_points` are the guard's snapshots in the period, preceded by the newest earlier one.
    `scored` are the bot's scored bars with a direction outcome (the calibration check).
    """

    bot: str
    period: Period
    signals: Sequence[SignalRecord]
    resolved: Sequence[tuple[SignalRecord, OutcomeRecord]]
    cycles: Sequence[ScanCycleRecord]
    account: str
    account_initial: float | None = None
    account_points: Sequence[EquityPoint] = ()
    patterns: Sequence[PatternStatRecord] = ()
    calibrations: Sequence[CalibrationChangeRecord] = ()
    scored: Sequence[ScoredBarRecord] = ()


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures a reader checks first; win rate, mean R (after costs) and P/L are TRADE
    results of approved signals (target before stop); `direction_ece` is the calibration error
    of the direction confidence against the direction outcome of the `direction_resolved`
    scored bars resolved in the period (the label the probability states)."""

    signals: int
    approved: int
    rejected: int
    undecided: int
    high_tier: int
    resolved: int
    won: int
    lost: int
    expired: int
    win_rate: WinRate
    mean_r: float | None
    direction_ece: float | None
    direction_resolved: int
    scan_cycles: int
    mean_cycle_s: float | None
    max_cycle_s: float | None
    symbols_failed: int
    paper_start: float
    paper_end: float
    paper_pnl: float
    paper_max_drawdown_pct: float
    min_daily_headroom: float
    min_total_headroom: float

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.rejected
        return self.approved / decided if decided else None


@dataclass(frozen=True, slots=True)
class PatternRow:
    """A stored pattern bucket with the interval its counts allow."""

    dimension: str
    bucket: str
    count: int
    outcome: WinRate


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """The period's figures, ready to render or export."""

    bot: str
    period: Period
    account: str
    account_size: float
    risk_per_trade_pct: float
    headline: Headline
    hours: list[HourRow]
    reasons: list[ReasonCount]
    buckets: list[ConfidenceBucket]
    tiers: tuple[TierStats, ...]
    gates: tuple[GateDecision, ...]
    round_trip_cost: float
    paper_curve: list[EquityPoint]
    paper_headroom: list[HeadroomPoint]
    guard_headroom: list[HeadroomPoint] = field(default_factory=list)
    patterns: list[PatternRow] = field(default_factory=list)
    calibrations: list[CalibrationChangeRecord] = field(default_factory=list)

    @property
    def hours_of_day(self) -> list[HourOfDayRow]:
        """Signals per UTC hour of the day over the whole period (table and chart read this)."""
        return by_hour_of_day(self.hours)

    @property
    def empty(self) -> bool:
        """No signal, no outcome and no scan: nothing was observed in this period."""
        h = self.headline
        return h.signals == 0 and h.resolved == 0 and h.scan_cycles == 0


def _ece(pairs: Sequence[tuple[float, bool]]) -> float | None:
    if not pairs:
        return None
    p = np.array([c for c, _ in pairs], dtype=np.float64)
    y = np.array([1.0 if won else 0.0 for _, won in pairs], dtype=np.float64)
    return expected_calibration_error(p, y)


def _pattern_rows(patterns: Sequence[PatternStatRecord]) -> list[PatternRow]:
    return [
        PatternRow(p.dimension, p.bucket, p.count, win_rate(p.wins, p.wins + p.losses))
        for p in patterns
    ]


def summarize(
    records: PeriodRecords, account_size: float, limits: RiskLimits, skill: GateRules
) -> PeriodReport:
    """Aggregate the records; the paper account starts at `account_size` and risks
    `limits.risk_per_trade_pct` per approved signal (see `crpbot.observation.paper_account`).
    Tiers are charged `skill.round_trip_cost`; the skill gates are as they stood at the end
    of the period, on every outcome of the bot resolved by then."""
    period = records.period
    mine = [p for p in records.resolved if p[0].bot == records.bot]
    signals = in_period(period, (s for s in records.signals if s.bot == records.bot))
    cycles = [c for c in records.cycles if c.bot == records.bot and c.started_at in period]
    resolved = resolved_in(period, mine)
    trades = paper_trades(mine, account_size, limits.risk_per_trade_pct)
    curve = equity_curve(trades, period.start, period.end, account_size)
    room = paper_headroom(trades, period.start, period.end, account_size, limits)
    traded = [(s, o) for s, o in resolved if s.status == "approved"]
    ends = Counter(o.result for _, o in traded)
    statuses = Counter(s.status for s in signals)
    pairs = direction_pairs(period, (b for b in records.scored if b.bot == records.bot))
    headline = Headline(
        signals=len(signals),
        approved=statuses["approved"],
        rejected=statuses["rejected"],
        undecided=len(signals) - statuses["approved"] - statuses["rejected"],
        high_tier=sum(1 for s in signals if s.tier == "high"),
        resolved=len(traded),
        won=ends["won"],
        lost=ends["lost"],
        expired=ends["expired"],
        win_rate=win_rate(ends["won"], ends["won"] + ends["lost"]),
        mean_r=summarize_r(
            [
                trade_r(o.result, o.r_multiple, s.entry, s.stop, s.target, skill.round_trip_cost)
                for s, o in traded
            ]
        ).mean_r,
        direction_ece=_ece(pairs),
        direction_resolved=len(pairs),
        scan_cycles=len(cycles),
        mean_cycle_s=fmean(c.duration_s for c in cycles) if cycles else None,
        max_cycle_s=max((c.duration_s for c in cycles), default=None),
        symbols_failed=sum(c.symbols_failed for c in cycles),
        paper_start=curve[0].equity,
        paper_end=curve[-1].equity,
        paper_pnl=curve[-1].equity - curve[0].equity,
        paper_max_drawdown_pct=max_drawdown_pct(curve),
        min_daily_headroom=min(p.daily_headroom for p in room),
        min_total_headroom=min(p.total_headroom for p in room),
    )
    guard: list[HeadroomPoint] = []
    if records.account_initial is not None:
        points = headroom(
            with_day_starts(records.account_points, period.start, period.end, limits.timezone),
            records.account_initial,
            limits,
        )
        guard = [p for p in points if p.ts in period]
    return PeriodReport(
        bot=records.bot,
        period=period,
        account=records.account,
        account_size=account_size,
        risk_per_trade_pct=limits.risk_per_trade_pct,
        headline=headline,
        hours=hourly_rows(period, signals, cycles, resolved, trades),
        reasons=decisions_by_reason(signals),
        buckets=confidence_buckets(pairs),
        tiers=tuple(
            tier_stats(t, [p for p in resolved if p[0].tier == t], skill.round_trip_cost)
            for t in TIERS
        ),
        round_trip_cost=skill.round_trip_cost,
        gates=skill_gates([p for p in mine if p[1].resolved_ts < period.end], period.end, skill),
        paper_curve=curve,
        paper_headroom=room,
        guard_headroom=guard,
        patterns=_pattern_rows(records.patterns),
        calibrations=[c for c in records.calibrations if c.ts in period],
    )
