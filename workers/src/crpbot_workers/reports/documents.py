"""The daily report's text: one list of tables rendered twice, as markdown and as HTML.

Both documents carry the same figures because both are rendered from the same `Table`s; the
HTML embeds each chart as a base64 PNG so the single file can be mailed or opened anywhere,
the markdown links the PNG files written beside it.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from crpbot.observation.paper_account import HeadroomPoint
from crpbot.observation.period_report import PeriodReport
from crpbot.observation.stats import WinRate
from crpbot_workers.reports.charts import Chart

MAX_PATTERN_ROWS = 20
NOTHING = "no signals in this period"


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def money(value: float) -> str:
    return f"{value:,.2f}"


def rate(outcome: WinRate) -> str:
    """`55.0% [40.1%–69.2%] of 20`, or n/a before any decided outcome."""
    if outcome.rate is None:
        return "n/a (no won or lost outcome)"
    return f"{pct(outcome.rate)} [{pct(outcome.low)}–{pct(outcome.high)}] of {outcome.decided}"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _guard_rows(points: Sequence[HeadroomPoint], account: str) -> list[tuple[str, str]]:
    if not points:
        return [(f"Guard account {account}", "no equity reported in this period")]
    last = points[-1]
    return [
        (f"Guard account {account} equity (last)", money(last.equity)),
        (
            "Guard headroom daily / total (last)",
            f"{money(last.daily_headroom)} / {money(last.total_headroom)}",
        ),
    ]


def headline(report: PeriodReport) -> Table:
    """The figures a reader checks first; the tests read them back from the markdown."""
    h = report.headline
    rows: list[tuple[str, str]] = [
        (
            "Period (UTC)",
            f"{report.period.start:%Y-%m-%d %H:%M} → {report.period.end:%Y-%m-%d %H:%M}",
        ),
        ("Signals", str(h.signals) if h.signals else f"0 ({NOTHING})"),
        ("Approved", str(h.approved)),
        ("Rejected", str(h.rejected)),
        ("Undecided (no risk answer)", str(h.undecided)),
        ("High tier", str(h.high_tier)),
        ("Approval rate", pct(h.approval_rate)),
        (
            "Approved signals resolved",
            f"{h.resolved} (won {h.won}, lost {h.lost}, expired {h.expired})",
        ),
        ("Realised win rate (approved, 95% Wilson)", rate(h.win_rate)),
        (
            "Expectancy (approved, R after costs)",
            "n/a" if h.mean_r is None else f"{h.mean_r:+.2f}",
        ),
        ("Skill gate", _gate_summary(report)),
        (
            "Calibration error (ECE, direction, scored bars resolved)",
            "n/a"
            if h.direction_ece is None
            else f"{h.direction_ece:.3f} of {h.direction_resolved}",
        ),
        ("Paper equity start → end", f"{money(h.paper_start)} → {money(h.paper_end)}"),
        ("Paper P/L", f"{h.paper_pnl:+,.2f} ({h.paper_pnl / h.paper_start * 100:+.2f}%)"),
        ("Paper max drawdown", f"{h.paper_max_drawdown_pct:.2f}%"),
        ("Min headroom to daily floor (paper)", money(h.min_daily_headroom)),
        ("Min headroom to total floor (paper)", money(h.min_total_headroom)),
        *_guard_rows(report.guard_headroom, report.account),
        ("Scan cycles", str(h.scan_cycles)),
        ("Cycle duration mean / max", f"{_seconds(h.mean_cycle_s)} / {_seconds(h.max_cycle_s)}"),
        ("Failed symbol scans", str(h.symbols_failed)),
        ("Calibration refits", str(len(report.calibrations))),
    ]
    return Table("Headline", ("figure", "value"), rows)


def _interval(low: float | None, high: float | None) -> str:
    return "n/a" if low is None or high is None else f"[{low:+.2f}, {high:+.2f}]"


def _r(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def _gate_summary(report: PeriodReport) -> str:
    opened = [g.tier for g in report.gates if g.open]
    if opened:
        return f"open for {', '.join(opened)}"
    return "closed for every tier: the signals are unproven"


def gate_table(report: PeriodReport) -> Table:
    """Each tier's skill gate at the end of the period, on every outcome resolved by then."""
    return Table(
        "Skill gate at the end of the period (every resolved signal of the bot so far)",
        (
            "tier",
            "gate",
            "reason",
            "resolved (needed)",
            "expectancy (R after costs)",
            "95% interval (t)",
            "win rate",
            "break-even win rate",
        ),
        [
            (
                g.tier,
                "open" if g.open else "closed",
                g.reason,
                f"{g.n} ({g.min_resolved})",
                _r(g.expectancy),
                _interval(g.figures.low, g.figures.high),
                pct(g.figures.win_rate),
                pct(g.break_even),
            )
            for g in report.gates
        ],
    )


def hours_of_day_table(report: PeriodReport) -> Table:
    """The data of the "signals per hour of day" chart; no rows when there is no signal."""
    return Table(
        "Signals by hour of day (UTC, bar open, whole period)",
        ("hour", "signals", "approved", "rejected", "undecided"),
        [
            (f"{r.hour:02d}:00", str(r.signals), str(r.approved), str(r.rejected), str(r.undecided))
            for r in report.hours_of_day
        ]
        if report.headline.signals
        else [],
    )


def reliability_table(report: PeriodReport) -> Table:
    """The data of the reliability chart: scored bars whose direction outcome resolved in the
    period, binned by direction confidence (docs/evaluation.md, "What the probability means")."""
    return Table(
        "Direction confidence vs realised direction (scored bars resolved in the period; "
        "docs/evaluation.md, What the probability means)",
        ("confidence bin", "mean confidence", "bars", "right", "direction right (95% Wilson)"),
        [
            (
                f"{pct(b.low, 0)}–{pct(b.high, 0)}",
                pct(b.mean_confidence),
                str(b.outcome.decided),
                str(b.outcome.wins),
                rate(b.outcome),
            )
            for b in report.buckets
        ],
    )


def detail_tables(report: PeriodReport) -> list[Table]:
    """Hours, reasons, tiers, reliability, refits and the strongest pattern buckets; empty
    tables are left out."""
    tables = [
        gate_table(report),
        hours_of_day_table(report),
        Table(
            "Decisions by reason",
            ("decision", "reason", "signals"),
            [(r.decision, r.reason, str(r.count)) for r in report.reasons],
        ),
        Table(
            "Outcomes resolved in the period by tier (approved and rejected)",
            (
                "tier",
                "resolved",
                "won",
                "lost",
                "expired",
                "win rate",
                "break-even win rate",
                "expectancy (R after costs)",
                "95% interval (t)",
                "mean confidence",
            ),
            [
                (
                    t.tier,
                    str(t.signals),
                    str(t.won),
                    str(t.lost),
                    str(t.expired),
                    pct(t.win_rate),
                    pct(t.figures.break_even),
                    _r(t.figures.mean_r),
                    _interval(t.figures.low, t.figures.high),
                    pct(t.mean_confidence),
                )
                for t in report.tiers
            ],
        ),
        reliability_table(report),
        Table(
            "Calibration refits",
            ("time (UTC)", "method", "scored bars used"),
            [(f"{c.ts:%Y-%m-%d %H:%M}", c.method, str(c.n_samples)) for c in report.calibrations],
        ),
        Table(
            "Pattern statistics (all time, largest buckets)",
            ("dimension", "bucket", "signals", "win rate (95% Wilson)"),
            [
                (p.dimension, p.bucket, str(p.count), rate(p.outcome))
                for p in sorted(report.patterns, key=lambda p: -p.count)[:MAX_PATTERN_ROWS]
            ],
        ),
    ]
    return [t for t in tables if t.rows]


def assumptions(report: PeriodReport) -> list[str]:
    return [
        "Observation mode: no order was sent; every money figure is a paper simulation.",
        f"Paper account starts at {money(report.account_size)} and risks "
        f"{report.risk_per_trade_pct:g}% of its balance per approved signal; a trade is booked "
        "when its outcome resolves (balance += R × risk), open trades are not marked to market.",
        "Signals count in the hour of their bar (UTC); outcomes in the hour they resolved.",
        f"Costs: {report.round_trip_cost:.4%} of the entry price per round trip (fees and "
        "spread), charged in R to every outcome. Win rate = won / (won + lost); break-even "
        "win rate = (1 + cost in R) / (reward-to-risk + 1); see docs/evaluation.md.",
        "FTMO floors: daily = balance at the previous Prague midnight − "
        "daily-loss % of the initial balance; total = initial balance − total-loss %.",
    ]


def title(report: PeriodReport) -> str:
    """A day's report and a longer period's summary share the layout but not the title."""
    start, end = report.period.start, report.period.end
    if end - start <= timedelta(days=1):
        return f"Daily observation report: {report.bot}, {start:%Y-%m-%d}"
    last = end - timedelta(microseconds=1)
    return f"Observation report: {report.bot}, {start:%Y-%m-%d} to {last:%Y-%m-%d}"


def _md_table(table: Table) -> str:
    lines = [f"## {table.title}", "", "| " + " | ".join(table.columns) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows
    ]
    return "\n".join(lines)


def markdown(report: PeriodReport, charts: Sequence[Chart]) -> str:
    """The report as markdown; charts are linked as `<name>.png` beside the file."""
    parts = [f"# {title(report)}"]
    if report.empty:
        parts.append(f"**{NOTHING}**: no signal, no resolved outcome and no scan cycle.")
    parts.append(_md_table(headline(report)))
    parts += [f"## {chart.title}\n\n![{chart.title}]({chart.name}.png)" for chart in charts]
    parts += [_md_table(table) for table in detail_tables(report)]
    parts.append("## Assumptions\n\n" + "\n".join(f"- {line}" for line in assumptions(report)))
    return "\n\n".join(parts) + "\n"


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<h2>{html.escape(table.title)}</h2><table><tr>{head}</tr>{body}</table>"


def _html_chart(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    caption = html.escape(chart.title)
    return (
        f'<figure id="{chart.name}"><img alt="{caption}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
    "figure{margin:1em 0}img{max-width:100%}.empty{color:#b00;font-weight:bold}"
)


def html_page(report: PeriodReport, charts: Sequence[Chart]) -> str:
    """One self-contained HTML file: styles inline, charts as data URIs."""
    heading = html.escape(title(report))
    parts = [f"<h1>{heading}</h1>"]
    if report.empty:
        parts.append(f'<p class="empty">{NOTHING}: no signal, no resolved outcome, no scan.</p>')
    parts.append(_html_table(headline(report)))
    parts += [_html_chart(chart) for chart in charts]
    parts += [_html_table(table) for table in detail_tables(report)]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in assumptions(report))
    parts.append(f"<h2>Assumptions</h2><ul>{items}</ul>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
