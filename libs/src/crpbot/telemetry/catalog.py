"""The metrics crpbot emits: one list, so code, alert rules and dashboards agree on names.

Names are the Prometheus names as scraped (what alert rules and dashboards query); the
OpenTelemetry instrument is created from the same spec (`otel_name`, `unit`), and the
Prometheus exporter turns it back into `name`. A test checks that every query in the chart
names a metric listed here (or a kube-state-metrics series).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "histogram", "gauge"]
# Gauges carry no unit: Prometheus's OTLP receiver and the collector's Prometheus exporter
# append `_ratio` to a gauge of unit `1` (`crpbot_bot_active_ratio`), which no rule queries.
# Counters of unit `1` only get `_total`, as the scrape exporter also names them.


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its scraped name, kind, unit, labels and meaning."""

    name: str
    kind: Kind
    unit: str
    labels: tuple[str, ...]
    description: str
    buckets: tuple[float, ...] = ()

    @property
    def otel_name(self) -> str:
        """Instrument name without the suffixes the Prometheus exporter appends.

        The exporter adds `_total` to counters and the unit's word to any name not already
        ending in it (`s` → `_seconds`; `1` adds nothing), so the instrument must not carry them.
        Gauges carry no unit: Prometheus's OTLP receiver (and the collector's Prometheus
        exporter) name a gauge of unit `1` `<name>_ratio`, which no rule or panel would find.
        """
        base = self.name.removesuffix("_total") if self.kind == "counter" else self.name
        return base.removesuffix("_seconds") if self.unit == "s" else base

    @property
    def series(self) -> tuple[str, ...]:
        """Every series name Prometheus stores for this metric."""
        if self.kind == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "crpbot_signals_total",
        "counter",
        "1",
        ("tier", "decision", "symbol"),
        "Signals produced, by tier and risk decision (approved|rejected|error).",
    ),
    MetricSpec(
        "crpbot_risk_rejections_total",
        "counter",
        "1",
        ("reason",),
        "Risk-guard rejections by reason code.",
    ),
    MetricSpec(
        "crpbot_risk_refusals_total",
        "counter",
        "1",
        ("account", "reason"),
        "Requests the risk guard refused for their event time (future_ts|stale_ts).",
    ),
    MetricSpec(
        "crpbot_signal_confidence",
        "histogram",
        "1",
        ("tier",),
        "Calibrated confidence of produced signals.",
        (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0),
    ),
    MetricSpec(
        "crpbot_outcomes_total",
        "counter",
        "1",
        ("tier", "result"),
        "Resolved signal outcomes (won|lost|expired), for realised win rate.",
    ),
    MetricSpec(
        "crpbot_scan_cycle_duration_seconds",
        "histogram",
        "s",
        (),
        "Wall time of one scan cycle over all symbols.",
        (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0),
    ),
    MetricSpec(
        "crpbot_scan_cycles_total",
        "counter",
        "1",
        ("result",),
        "Scan cycles by result (ok|partial|failed).",
    ),
    MetricSpec(
        "crpbot_inference_latency_seconds",
        "histogram",
        "s",
        ("backend", "model"),
        "Latency of one inference call.",
        (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    ),
    MetricSpec(
        "crpbot_errors_total",
        "counter",
        "1",
        ("component",),
        "Errors by component (scanner|risk_guard|telegram|operator|model_server).",
    ),
    MetricSpec(
        "crpbot_telegram_deliveries_total",
        "counter",
        "1",
        ("result",),
        "Telegram messages by delivery result (ok|failed|retried).",
    ),
    MetricSpec(
        "crpbot_notifications_total",
        "counter",
        "1",
        ("channel", "result"),
        "Notifications by channel and result (ok|failed).",
    ),
    MetricSpec(
        "crpbot_equity",
        "gauge",
        "",
        ("account",),
        "Paper equity of the account, account currency.",
    ),
    MetricSpec(
        "crpbot_ftmo_daily_headroom",
        "gauge",
        "",
        ("account",),
        "Equity above the daily-loss floor, account currency.",
    ),
    MetricSpec(
        "crpbot_ftmo_total_headroom",
        "gauge",
        "",
        ("account",),
        "Equity above the total-loss floor, account currency.",
    ),
    MetricSpec(
        "crpbot_spool_quarantined_total",
        "counter",
        "1",
        ("reason",),
        "Spooled signal lines that could not be read back, moved to the spool's quarantine "
        "file (kept for inspection) instead of the database; reason is the parse error type.",
    ),
    MetricSpec(
        "crpbot_bot_active",
        "gauge",
        "",
        ("bot",),
        "1 while the bot scans (not paused, not halted), else 0.",
    ),
)


def metric(name: str) -> MetricSpec:
    """The spec of one metric by its scraped name."""
    for spec in METRICS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown metric {name!r}")


def all_series() -> frozenset[str]:
    """Every series name crpbot exposes, histogram suffixes included."""
    return frozenset(series for spec in METRICS for series in spec.series)
