"""The daily and period report's five charts as PNG bytes.

Each chart draws one structure of `PeriodReport` that the report's tables print too
(`hours_of_day`, `reasons`, `buckets`, the paper curve and headroom behind the headline), so a
picture cannot say something its table does not; `figure` hands the drawn Figure to tests,
which compare the plotted data with those tables. Drawn on bare `Figure` objects (Agg canvas,
no pyplot state): no display is needed and nothing global changes for the host process. A
chart with nothing to show still renders, saying so, so a reader can tell "no data" from
"broken report".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from crpbot.observation.paper_account import HeadroomPoint
from crpbot.observation.period_report import PeriodReport

_SIZE = (7.5, 3.6)
_APPROVED = "#2a9d8f"
_REJECTED = "#e76f51"
_OTHER = "#8d99ae"


@dataclass(frozen=True, slots=True)
class Chart:
    """One rendered chart; `name` is its file stem, `title` its caption."""

    name: str
    title: str
    png: bytes


Draw = Callable[[Axes, PeriodReport], None]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """How one chart is drawn from a report; `name` is its file stem, `title` its caption."""

    name: str
    title: str
    draw: Draw


def figure(spec: ChartSpec, report: PeriodReport) -> Figure:
    """The chart drawn on a fresh Figure, not yet rendered."""
    fig = Figure(figsize=_SIZE)
    spec.draw(fig.add_subplot(), report)
    fig.tight_layout()
    return fig


def render(spec: ChartSpec, report: PeriodReport) -> Chart:
    buffer = io.BytesIO()
    figure(spec, report).savefig(buffer, format="png", dpi=100)
    return Chart(spec.name, spec.title, buffer.getvalue())


def _x(times: Sequence[datetime]) -> npt.NDArray[np.datetime64]:
    """Naive UTC datetime64: matplotlib plots it natively, in UTC whatever the host's zone."""
    naive = [t.astimezone(UTC).replace(tzinfo=None) for t in times]
    return np.array(naive, dtype="datetime64[s]")


def _time_axis(ax: Axes) -> None:
    ax.set_xlabel("UTC")
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)


def _nothing(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def _signals_per_hour(ax: Axes, report: PeriodReport) -> None:
    if report.headline.signals == 0:
        _nothing(ax, "no signals in this period")
        return
    rows = report.hours_of_day
    hours = [row.hour for row in rows]
    approved = [row.approved for row in rows]
    rejected = [row.rejected for row in rows]
    tops = [a + r for a, r in zip(approved, rejected, strict=True)]
    ax.bar(hours, approved, color=_APPROVED, label="approved")
    ax.bar(hours, rejected, bottom=approved, color=_REJECTED, label="rejected")
    ax.bar(hours, [row.undecided for row in rows], bottom=tops, color=_OTHER, label="undecided")
    ax.set(xlabel="hour of day (UTC, bar open)", ylabel="signals in the period")
    ax.set_xticks(range(0, 24, 3))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)


def _colour(decision: str) -> str:
    return {"approved": _APPROVED, "rejected": _REJECTED}.get(decision, _OTHER)


def _decisions_by_reason(ax: Axes, report: PeriodReport) -> None:
    """Most frequent at the top, as in the table."""
    if not report.reasons:
        _nothing(ax, "no signals in this period")
        return
    rows = report.reasons[::-1]
    ax.barh(
        [r.label for r in rows], [r.count for r in rows], color=[_colour(r.decision) for r in rows]
    )
    ax.set(xlabel="signals")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _reliability(ax: Axes, report: PeriodReport) -> None:
    buckets = report.buckets
    if not buckets:
        _nothing(ax, "no scored bar resolved in this period")
        return
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    x = [b.mean_confidence for b in buckets]
    y = [b.outcome.rate or 0.0 for b in buckets]
    below = [max(v - (b.outcome.low or v), 0.0) for v, b in zip(y, buckets, strict=True)]
    above = [max((b.outcome.high or v) - v, 0.0) for v, b in zip(y, buckets, strict=True)]
    ax.errorbar(x, y, yerr=[below, above], fmt="o", capsize=3, label="realised (95% Wilson)")
    for xi, yi, b in zip(x, y, buckets, strict=True):
        ax.annotate(
            f"n={b.outcome.decided}",
            (xi, yi),
            textcoords="offset points",
            xytext=(5, 5),
            fontsize=7,
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="direction confidence (calibrated)",
        ylabel="favoured direction happened",
    )
    ax.legend(fontsize=8, loc="upper left")


def _paper_equity(ax: Axes, report: PeriodReport) -> None:
    curve = report.paper_curve
    times = _x([p.ts for p in curve] + [report.period.end])
    values = [p.equity for p in curve] + [curve[-1].equity]
    ax.step(times, values, where="post", color="#264653", label="paper equity")
    room = report.paper_headroom
    floors = [p.daily_floor for p in room] + [room[-1].daily_floor]
    ax.step(
        _x([p.ts for p in room] + [report.period.end]),
        floors,
        where="post",
        color=_REJECTED,
        linestyle="--",
        label="daily floor",
    )
    ax.axhline(room[0].total_floor, color="black", linestyle=":", label="total floor")
    ax.set(ylabel="account currency")
    if report.headline.resolved == 0:
        ax.set_title("no approved signal resolved in this period", fontsize=9, color="grey")
    ax.legend(fontsize=8)
    _time_axis(ax)


def _headroom_lines(
    ax: Axes, points: Sequence[HeadroomPoint], end: datetime, label: str, style: str
) -> None:
    """Step lines held to the period's end: headroom only changes at a new point."""
    times = _x([p.ts for p in points] + [end])
    daily = [p.daily_headroom for p in points] + [points[-1].daily_headroom]
    total = [p.total_headroom for p in points] + [points[-1].total_headroom]
    ax.step(
        times,
        daily,
        where="post",
        linestyle=style,
        color=_REJECTED,
        label=f"{label}: to daily floor",
    )
    ax.step(
        times, total, where="post", linestyle=style, color="black", label=f"{label}: to total floor"
    )


def _ftmo_headroom(ax: Axes, report: PeriodReport) -> None:
    end = report.period.end
    _headroom_lines(ax, report.paper_headroom, end, "paper", "-")
    if report.guard_headroom:
        _headroom_lines(ax, report.guard_headroom, end, f"guard {report.account}", ":")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set(ylabel="equity above floor")
    ax.legend(fontsize=7)
    _time_axis(ax)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("signals_per_hour", "Signals per hour of day (UTC)", _signals_per_hour),
    ChartSpec("decisions_by_reason", "Approvals and rejections by reason", _decisions_by_reason),
    ChartSpec("reliability", "Direction confidence vs realised direction", _reliability),
    ChartSpec("paper_equity", "Paper equity", _paper_equity),
    ChartSpec("ftmo_headroom", "FTMO headroom", _ftmo_headroom),
)


def all_charts(report: PeriodReport) -> list[Chart]:
    """The five charts in reading order."""
    return [render(spec, report) for spec in CHARTS]
