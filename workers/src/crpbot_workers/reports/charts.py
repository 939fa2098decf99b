"""The daily report's five charts as PNG bytes.

Drawn on bare `Figure` objects (Agg canvas, no pyplot state): no display is needed and
nothing global changes for the host process. A chart with nothing to show still renders,
saying so, so a reader can tell "no data" from "broken report".
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


def _png(draw: Callable[[Axes], None]) -> bytes:
    fig = Figure(figsize=_SIZE)
    draw(fig.add_subplot())
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


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


def signals_per_hour(report: PeriodReport) -> Chart:
    def draw(ax: Axes) -> None:
        if report.headline.signals == 0:
            _nothing(ax, "no signals in this period")
            return
        hours = [row.hour.hour for row in report.hours]
        approved = [row.approved for row in report.hours]
        rejected = [row.rejected for row in report.hours]
        other = [row.undecided for row in report.hours]
        ax.bar(hours, approved, color=_APPROVED, label="approved")
        ax.bar(hours, rejected, bottom=approved, color=_REJECTED, label="rejected")
        tops = [a + r for a, r in zip(approved, rejected, strict=True)]
        ax.bar(hours, other, bottom=tops, color=_OTHER, label="undecided")
        ax.set(xlabel="hour (UTC, bar open)", ylabel="signals")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)

    return Chart("signals_per_hour", "Signals per hour", _png(draw))


def decisions_by_reason(report: PeriodReport) -> Chart:
    def draw(ax: Axes) -> None:
        if not report.reasons:
            _nothing(ax, "no signals in this period")
            return
        labels = [r.label for r in report.reasons]
        colours = [
            _APPROVED
            if r.decision == "approved"
            else _REJECTED
            if r.decision == "rejected"
            else _OTHER
            for r in report.reasons
        ]
        ax.barh(labels[::-1], [r.count for r in report.reasons][::-1], color=colours[::-1])
        ax.set(xlabel="signals")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    return Chart("decisions_by_reason", "Approvals and rejections by reason", _png(draw))


def reliability(report: PeriodReport) -> Chart:
    def draw(ax: Axes) -> None:
        buckets = report.buckets
        if not buckets:
            _nothing(ax, "no won or lost outcome in this period")
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
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="calibrated confidence", ylabel="realised win rate")
        ax.legend(fontsize=8, loc="upper left")

    return Chart("reliability", "Confidence vs realised win rate", _png(draw))


def paper_equity(report: PeriodReport) -> Chart:
    def draw(ax: Axes) -> None:
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

    return Chart("paper_equity", "Paper equity", _png(draw))


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


def ftmo_headroom(report: PeriodReport) -> Chart:
    def draw(ax: Axes) -> None:
        end = report.period.end
        _headroom_lines(ax, report.paper_headroom, end, "paper", "-")
        if report.guard_headroom:
            _headroom_lines(ax, report.guard_headroom, end, f"guard {report.account}", ":")
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set(ylabel="equity above floor")
        ax.legend(fontsize=7)
        _time_axis(ax)

    return Chart("ftmo_headroom", "FTMO headroom", _png(draw))


def all_charts(report: PeriodReport) -> list[Chart]:
    """The five charts in reading order."""
    builders = (signals_per_hour, decisions_by_reason, reliability, paper_equity, ftmo_headroom)
    return [build(report) for build in builders]
