"""OpenTelemetry metrics built from the catalog, behind a small typed facade.

Callers never touch instruments or label names: `Telemetry.record_signal(...)` and friends
keep label sets aligned with `catalog.METRICS`, which alert rules and dashboards also read.
Each `Telemetry` owns its `MeterProvider` (and, for Prometheus, its own `CollectorRegistry`),
so tests and several apps in one process never share counts; `setup_telemetry` also makes the
instance the process default that `get_telemetry()` returns.

The resource (who emits) is `service.name` plus whatever `OTEL_RESOURCE_ATTRIBUTES` carries:
in a cluster the operator renders namespace, bot and instance there, so the code never needs
to know where it runs.

OTLP pushes counters and histograms with DELTA temporality. A scanner CronJob is a new
process every cycle: cumulative counters would restart at zero under the same series, and a
run that counts more than the previous one reads as a small increase instead of a reset, so
`increase()` undercounts. Each delta is only what one run counted, and the receiver (the
collector's `deltatocumulative` processor, or Prometheus with
`--enable-feature=otlp-deltatocumulative`) adds consecutive runs into one cumulative series.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from opentelemetry.metrics import Counter, Histogram, Meter, _Gauge
from opentelemetry.sdk.metrics import Counter as SdkCounter
from opentelemetry.sdk.metrics import Histogram as SdkHistogram
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from crpbot.telemetry.catalog import METRICS, MetricSpec

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

Exporter = Literal["prometheus", "otlp", "none"]
log = logging.getLogger(__name__)

_SCOPE = "crpbot"
# The label values a scan cycle can produce whatever its data (a signal's tier and decision,
# a cycle's result, the components it counts errors for), started at zero by `prime_scanner`.
SIGNAL_TIERS = ("high", "medium", "low")
SIGNAL_DECISIONS = ("approved", "rejected", "error")
CYCLE_RESULTS = ("ok", "partial", "failed")
SCANNER_ERROR_COMPONENTS = ("scanner", "risk_guard", "database", "notify")
# Gauges have no temporality; the SDK keeps its cumulative default for every other kind.
PUSH_TEMPORALITY: dict[type, AggregationTemporality] = {
    SdkCounter: AggregationTemporality.DELTA,
    SdkHistogram: AggregationTemporality.DELTA,
}


def _counter(meter: Meter, spec: MetricSpec) -> Counter:
    return meter.create_counter(spec.otel_name, unit=spec.unit, description=spec.description)


def _histogram(meter: Meter, spec: MetricSpec) -> Histogram:
    return meter.create_histogram(
        spec.otel_name,
        unit=spec.unit,
        description=spec.description,
        explicit_bucket_boundaries_advisory=list(spec.buckets) or None,
    )


def _gauge(meter: Meter, spec: MetricSpec) -> _Gauge:
    return meter.create_gauge(spec.otel_name, unit=spec.unit, description=spec.description)


class Telemetry:
    """The metrics a crpbot process emits; one method per thing worth counting."""

    def __init__(
        self,
        readers: Sequence[MetricReader] = (),
        *,
        service: str = "crpbot",
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.registry = registry
        self._provider = MeterProvider(
            metric_readers=list(readers),
            resource=Resource.create({"service.name": service}),
        )
        meter = self._provider.get_meter(_SCOPE)
        self._counters = {s.name: _counter(meter, s) for s in METRICS if s.kind == "counter"}
        self._histograms = {s.name: _histogram(meter, s) for s in METRICS if s.kind == "histogram"}
        self._gauges = {s.name: _gauge(meter, s) for s in METRICS if s.kind == "gauge"}

    def _add(self, name: str, attributes: dict[str, str], amount: int = 1) -> None:
        self._counters[name].add(amount, attributes)

    def prime_scanner(self, symbols: Sequence[str]) -> None:
        """Start every counter series a scan cycle can produce at zero.

        `increase()` needs two points of a series, so a series whose first point already
        holds its first count (a label set counted for the first time, e.g. the first scanner
        error) would hide that count. Primed, each such series exists at 0 before it counts;
        with OTLP deltas every run also pushes a point for each, which keeps the scanner's
        streams alive in the receiver between rare events.
        """
        for symbol in symbols:
            for tier in SIGNAL_TIERS:
                for decision in SIGNAL_DECISIONS:
                    labels = {"tier": tier, "decision": decision, "symbol": symbol}
                    self._add("crpbot_signals_total", labels, 0)
        for result in CYCLE_RESULTS:
            self._add("crpbot_scan_cycles_total", {"result": result}, 0)
        for component in SCANNER_ERROR_COMPONENTS:
            self._add("crpbot_errors_total", {"component": component}, 0)

    def _observe(self, name: str, value: float, attributes: dict[str, str]) -> None:
        self._histograms[name].record(value, attributes)

    def _set(self, name: str, value: float, attributes: dict[str, str]) -> None:
        self._gauges[name].set(value, attributes)

    def record_signal(
        self, tier: str, decision: str, symbol: str, confidence: float | None = None
    ) -> None:
        """A produced signal and the risk decision on it (approved|rejected|error)."""
        self._add("crpbot_signals_total", {"tier": tier, "decision": decision, "symbol": symbol})
        if confidence is not None:
            self._observe("crpbot_signal_confidence", confidence, {"tier": tier})

    def record_rejection(self, reason: str) -> None:
        """One reason code of a risk-guard rejection (a rejection may carry several)."""
        self._add("crpbot_risk_rejections_total", {"reason": reason})

    def record_refusal(self, account: str, reason: str) -> None:
        """A request refused for its event time: the account's client clock is off."""
        self._add("crpbot_risk_refusals_total", {"account": account, "reason": reason})

    def observe_cycle(self, duration_s: float, result: str) -> None:
        """A finished scan cycle: its wall time and its result (ok|partial|failed)."""
        self._observe("crpbot_scan_cycle_duration_seconds", duration_s, {})
        self._add("crpbot_scan_cycles_total", {"result": result})

    def observe_inference(self, backend: str, model: str, seconds: float) -> None:
        """Latency of one inference call on `backend` (inprocess|torchserve)."""
        self._observe(
            "crpbot_inference_latency_seconds", seconds, {"backend": backend, "model": model}
        )

    def count_error(self, component: str) -> None:
        """An error a component survived (it is also logged with detail)."""
        self._add("crpbot_errors_total", {"component": component})

    def count_spool_quarantined(self, reason: str) -> None:
        """A spooled line that could not be read back and went to the quarantine file."""
        self._add("crpbot_spool_quarantined_total", {"reason": reason})

    def record_delivery(self, result: str) -> None:
        """One Telegram send attempt's result (ok|failed|retried)."""
        self._add("crpbot_telegram_deliveries_total", {"result": result})

    def record_notification(self, channel: str, result: str) -> None:
        """One alert handed to a notification channel, and whether it got through."""
        self._add("crpbot_notifications_total", {"channel": channel, "result": result})

    def set_equity(
        self, account: str, equity: float, daily_headroom: float, total_headroom: float
    ) -> None:
        """The account's equity and its distance to both FTMO floors."""
        labels = {"account": account}
        self._set("crpbot_equity", equity, labels)
        self._set("crpbot_ftmo_daily_headroom", daily_headroom, labels)
        self._set("crpbot_ftmo_total_headroom", total_headroom, labels)

    def set_bot_active(self, bot: str, active: bool) -> None:
        """Whether `bot` scans (neither paused nor halted)."""
        self._set("crpbot_bot_active", 1.0 if active else 0.0, {"bot": bot})

    def record_outcome(self, tier: str, result: str) -> None:
        """A resolved signal outcome (won|lost|expired)."""
        self._add("crpbot_outcomes_total", {"tier": tier, "result": result})

    def start_counts(self, component: str) -> None:
        """Put the failure counts a long-lived service can raise on its `/metrics` at zero.

        A counter's series appears with its first increment. Scraped, a service's first
        error after a (re)start is then the series' first sample, and `increase()` finds
        nothing before it to increase from: the alert that wants one error would not fire.
        """
        self._counters["crpbot_errors_total"].add(0, {"component": component})
        for result in ("ok", "failed", "retried"):
            self._counters["crpbot_telegram_deliveries_total"].add(0, {"result": result})
        for result in ("ok", "failed"):
            labels = {"channel": "telegram", "result": result}
            self._counters["crpbot_notifications_total"].add(0, labels)

    def flush(self, timeout_millis: float = 10_000) -> bool:
        """Push pending points now (OTLP); a no-op for pull readers."""
        return self._provider.force_flush(timeout_millis)

    def shutdown(self) -> None:
        """Flush and stop the readers; the instance records nothing afterwards."""
        self._provider.shutdown()


def otlp_url(endpoint: str, signal: str) -> str:
    """The OTLP/HTTP URL of one signal (`metrics`, `traces`) under a collector base URL."""
    base = endpoint.rstrip("/")
    suffix = f"/v1/{signal}"
    return base if base.endswith(suffix) else base + suffix


def _readers(
    exporter: Exporter, otlp_endpoint: str | None, export_interval_s: float
) -> tuple[list[MetricReader], CollectorRegistry | None]:
    if exporter == "prometheus":
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry()
        reader = PrometheusMetricReader(
            registry=registry, scope_info_enabled=False, disable_target_info=True
        )
        return [reader], registry
    if exporter == "otlp":
        if not otlp_endpoint:
            raise ValueError("telemetry.exporter=otlp needs telemetry.otlp_endpoint")
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        push = OTLPMetricExporter(
            endpoint=otlp_url(otlp_endpoint, "metrics"), preferred_temporality=PUSH_TEMPORALITY
        )
        interval_ms = export_interval_s * 1000
        return [PeriodicExportingMetricReader(push, export_interval_millis=interval_ms)], None
    return [], None


_current: Telemetry | None = None


def setup_telemetry(
    exporter: Exporter = "prometheus",
    otlp_endpoint: str | None = None,
    *,
    service: str = "crpbot",
    export_interval_s: float = 15.0,
) -> Telemetry:
    """Build the process's metrics pipeline from config and make it the default.

    `prometheus` collects into a registry served by our own `/metrics` route (no second port);
    `otlp` pushes deltas to `otlp_endpoint` every `export_interval_s` (and on `flush`);
    `none` records into nothing.
    """
    global _current
    readers, registry = _readers(exporter, otlp_endpoint, export_interval_s)
    if _current is not None:
        _current.shutdown()
    _current = Telemetry(readers, service=service, registry=registry)
    log.info("telemetry ready", extra={"exporter": exporter, "service": service})
    return _current


def get_telemetry() -> Telemetry:
    """The process default; a reader-less instance (records nothing) until set up."""
    global _current
    if _current is None:
        _current = Telemetry()
    return _current
