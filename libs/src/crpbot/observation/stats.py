"""Aggregations of one observation period, as pure functions of plain records.

Membership rules, kept the same in every report and export: a signal belongs to the period of
its bar (`bar_ts`, the event time, as `BotService.stats` counts), an outcome to the period in
which it resolved (`resolved_ts`: what was realised then), a scan cycle to the period it
started in. Periods are half-open UTC intervals, so a bar at midnight opens the new day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean

from scipy.stats import binomtest

from crpbot.db.records import OutcomeRecord, ScanCycleRecord, ScoredBarRecord, SignalRecord
from crpbot.observation.paper_account import PaperTrade

HOUR = timedelta(hours=1)
NO_REASON = "no reason recorded"
CONFIDENCE_BINS = 10


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("period bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("period end must be after its start")

    @classmethod
    def day(cls, day: date) -> Period:
        """One UTC calendar day."""
        start = datetime.combine(day, time(0), tzinfo=UTC)
        return cls(start, start + timedelta(days=1))

    def __contains__(self, ts: datetime) -> bool:
        return self.start <= ts < self.end

    def hours(self) -> list[datetime]:
        """Start of every UTC hour the period touches."""
        first = self.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        count = -(-(self.end - first) // HOUR)
        return [first + i * HOUR for i in range(count)]


@dataclass(frozen=True, slots=True)
class WinRate:
    """Wins over decided outcomes (expired excluded) with a 95% Wilson interval."""

    wins: int
    decided: int
    low: float | None
    high: float | None

    @property
    def rate(self) -> float | None:
        return self.wins / self.decided if self.decided else None


def win_rate(wins: int, decided: int) -> WinRate:
    """Wilson's interval stays inside [0, 1] and is honest for small counts, unlike Wald's."""
    if decided == 0:
        return WinRate(0, 0, None, None)
    interval = binomtest(wins, decided).proportion_ci(confidence_level=0.95, method="wilson")
    return WinRate(wins, decided, float(interval.low), float(interval.high))


@dataclass(frozen=True, slots=True)
class HourRow:
    """One UTC hour of activity; the per-hour rows of the metrics export."""

    hour: datetime
    signals: int
    approved: int
    rejected: int
    undecided: int
    high_tier: int
    mean_confidence: float | None
    scan_cycles: int
    mean_cycle_s: float | None
    symbols_failed: int
    won: int
    lost: int
    expired: int
    paper_pnl: float


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """How many signals got one decision for one reason (`decision` is the signal status)."""

    decision: str
    reason: str
    count: int

    @property
    def label(self) -> str:
        return self.decision if self.reason == self.decision else f"{self.decision}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ConfidenceBucket:
    """Scored bars whose direction confidence fell in [low, high), against how often the
    favoured direction happened (`outcome.wins` of `outcome.decided`)."""

    low: float
    high: float
    mean_confidence: float
    outcome: WinRate


def _hour(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def in_period(period: Period, signals: Iterable[SignalRecord]) -> list[SignalRecord]:
    """Signals whose bar lies in the period, oldest bar first."""
    return sorted((s for s in signals if s.bar_ts in period), key=lambda s: (s.bar_ts, s.id or 0))


def resolved_in(
    period: Period, resolved: Iterable[tuple[SignalRecord, OutcomeRecord]]
) -> list[tuple[SignalRecord, OutcomeRecord]]:
    """Outcomes that resolved in the period."""
    return [pair for pair in resolved if pair[1].resolved_ts in period]


def hourly_rows(
    period: Period,
    signals: Sequence[SignalRecord],
    cycles: Sequence[ScanCycleRecord],
    resolved: Sequence[tuple[SignalRecord, OutcomeRecord]],
    trades: Sequence[PaperTrade],
) -> list[HourRow]:
    """One row per UTC hour of the period, zeros included, so charts and CSVs line up."""
    rows = []
    for hour in period.hours():
        mine = [s for s in signals if s.bar_ts in period and _hour(s.bar_ts) == hour]
        runs = [c for c in cycles if c.started_at in period and _hour(c.started_at) == hour]
        ends = Counter(
            o.result
            for _, o in resolved
            if o.resolved_ts in period and _hour(o.resolved_ts) == hour
        )
        statuses = Counter(s.status for s in mine)
        rows.append(
            HourRow(
                hour=hour,
                signals=len(mine),
                approved=statuses["approved"],
                rejected=statuses["rejected"],
                undecided=len(mine) - statuses["approved"] - statuses["rejected"],
                high_tier=sum(1 for s in mine if s.tier == "high"),
                mean_confidence=_mean([s.confidence for s in mine]),
                scan_cycles=len(runs),
                mean_cycle_s=_mean([c.duration_s for c in runs]),
                symbols_failed=sum(c.symbols_failed for c in runs),
                won=ends["won"],
                lost=ends["lost"],
                expired=ends["expired"],
                paper_pnl=sum(t.pnl for t in trades if t.ts in period and _hour(t.ts) == hour),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class HourOfDayRow:
    """Signals whose bar opened in one UTC hour of the day, summed over the period's days."""

    hour: int
    signals: int
    approved: int
    rejected: int
    undecided: int


def by_hour_of_day(rows: Sequence[HourRow]) -> list[HourOfDayRow]:
    """The hourly rows folded onto the 24 hours of a UTC day (zeros included): a period of
    many days has many rows per hour of day, and a chart or table keyed by the hour of day
    must add them up rather than draw them on top of each other."""
    sums = {hour: [0, 0, 0, 0] for hour in range(24)}
    for row in rows:
        total = sums[row.hour.astimezone(UTC).hour]
        for i, value in enumerate((row.signals, row.approved, row.rejected, row.undecided)):
            total[i] += value
    return [HourOfDayRow(hour, *counts) for hour, counts in sums.items()]


def decisions_by_reason(signals: Iterable[SignalRecord]) -> list[ReasonCount]:
    """Approvals as one bar; every other decision split by its reason codes.

    A rejection with several reasons counts once under each (the bars can sum to more than the
    rejections); one with none counts under `NO_REASON`. A signal the guard never answered
    (`pending_risk`, `error`) without reasons counts under its status. Most frequent first.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for signal in signals:
        if signal.status == "approved":
            counts[("approved", "approved")] += 1
            continue
        fallback = NO_REASON if signal.status == "rejected" else signal.status
        for reason in signal.reasons or (fallback,):
            counts[(signal.status, reason)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [ReasonCount(decision, reason, n) for (decision, reason), n in ranked]


def direction_pairs(period: Period, scored: Iterable[ScoredBarRecord]) -> list[tuple[float, bool]]:
    """(direction confidence, favoured direction happened) of every scored bar whose direction
    outcome resolved in the period: the label the probability states (docs/evaluation.md,
    "What the probability means"). Trade results (target before stop) never enter here."""
    return [
        (b.confidence, b.favoured_right)
        for b in scored
        if b.favoured_right is not None and b.resolved_ts is not None and b.resolved_ts in period
    ]


def confidence_buckets(
    pairs: Sequence[tuple[float, bool]], n_bins: int = CONFIDENCE_BINS
) -> list[ConfidenceBucket]:
    """Equal-width bins over [0, 1] as `crpbot.confidence.reliability` bins them; empty bins
    are left out, each kept bin carries its Wilson interval so thin bins look thin."""
    grouped: dict[int, list[tuple[float, bool]]] = {}
    for confidence, won in pairs:
        index = min(max(int(confidence * n_bins), 0), n_bins - 1)
        grouped.setdefault(index, []).append((confidence, won))
    return [
        ConfidenceBucket(
            low=index / n_bins,
            high=(index + 1) / n_bins,
            mean_confidence=fmean(c for c, _ in members),
            outcome=win_rate(sum(1 for _, w in members if w), len(members)),
        )
        for index, members in sorted(grouped.items())
    ]
