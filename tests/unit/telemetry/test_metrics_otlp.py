"""The OTLP path: instruments as the SDK sees them, and the protobuf a collector receives."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    InMemoryMetricReader,
    Metric,
    Sum,
)

from crpbot.telemetry.catalog import metric
from crpbot.telemetry.metrics import Telemetry, setup_telemetry


def _sdk_metrics(reader: InMemoryMetricReader) -> dict[str, Metric]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        m.name: m
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for m in scope.metrics
    }


def test_otlp_in_memory_reader_sees_catalog_instruments_with_units() -> None:
    reader = InMemoryMetricReader()
    telemetry = Telemetry([reader])
    telemetry.record_signal("medium", "approved", "ETH-USD", confidence=0.64)
    telemetry.observe_cycle(12.0, "partial")
    telemetry.set_equity("ftmo-1", 99_000.0, 4_000.0, 9_000.0)
    seen = _sdk_metrics(reader)

    signals = seen[metric("crpbot_signals_total").otel_name]
    assert isinstance(signals.data, Sum) and signals.data.is_monotonic
    (point,) = signals.data.data_points
    assert point.value == 1
    assert dict(point.attributes or {}) == {
        "tier": "medium",
        "decision": "approved",
        "symbol": "ETH-USD",
    }
    cycle = seen[metric("crpbot_scan_cycle_duration_seconds").otel_name]
    assert cycle.unit == "s" and isinstance(cycle.data, Histogram)
    assert cycle.data.data_points[0].sum == 12.0
    assert (
        tuple(cycle.data.data_points[0].explicit_bounds)
        == metric("crpbot_scan_cycle_duration_seconds").buckets
    )
    equity = seen[metric("crpbot_equity").otel_name]
    assert isinstance(equity.data, Gauge) and equity.data.data_points[0].value == 99_000.0
    telemetry.shutdown()


class _Receiver(BaseHTTPRequestHandler):
    """A stand-in OTLP/HTTP collector: decodes each export request and keeps it."""

    requests: list[tuple[str, ExportMetricsServiceRequest]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportMetricsServiceRequest()
        request.ParseFromString(body)
        self.requests.append((self.path, request))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def otlp_receiver() -> Iterator[tuple[str, list[tuple[str, ExportMetricsServiceRequest]]]]:
    received: list[tuple[str, ExportMetricsServiceRequest]] = []
    handler = type("Receiver", (_Receiver,), {"requests": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()
    setup_telemetry("none")


def test_otlp_export_reaches_a_collector_with_catalog_names(
    otlp_receiver: tuple[str, list[tuple[str, ExportMetricsServiceRequest]]],
) -> None:
    endpoint, received = otlp_receiver
    telemetry = setup_telemetry("otlp", endpoint, service="scanner", export_interval_s=3600)
    telemetry.record_signal("high", "approved", "BTC-USD", confidence=0.9)
    telemetry.record_delivery("failed")
    telemetry.observe_inference("torchserve", "transformer", 0.2)
    telemetry.set_bot_active("local", False)
    assert telemetry.flush()

    assert received and {path for path, _ in received} == {"/v1/metrics"}
    resource = received[-1][1].resource_metrics[0]
    service = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert service["service.name"] == "scanner"
    exported = {m.name: m for scope in resource.scope_metrics for m in scope.metrics}
    recorded = (
        "crpbot_signals_total",
        "crpbot_signal_confidence",
        "crpbot_telegram_deliveries_total",
        "crpbot_inference_latency_seconds",
        "crpbot_bot_active",
    )
    assert set(exported) == {metric(name).otel_name for name in recorded}
    deliveries = exported[metric("crpbot_telegram_deliveries_total").otel_name]
    point = deliveries.sum.data_points[0]
    assert point.as_double == 1 or point.as_int == 1
    assert {a.key: a.value.string_value for a in point.attributes} == {"result": "failed"}
    latency = exported[metric("crpbot_inference_latency_seconds").otel_name]
    assert latency.unit == "s" and latency.histogram.data_points[0].sum == pytest.approx(0.2)
    assert exported[metric("crpbot_bot_active").otel_name].gauge.data_points[0].as_double == 0


Received = list[tuple[str, ExportMetricsServiceRequest]]
# What the operator renders for a scanner CronJob (crpbot_operator.render.common.resource_env).
SCANNER_RESOURCE = (
    "k8s.namespace.name=bots,namespace=bots,bot=demo,service.instance.id=demo-scanner"
)


def _points(received: Received, otel_name: str) -> list[tuple[dict[str, str], int, Any]]:
    """(resource attributes, temporality, data point) of every exported point of a metric."""
    found = []
    for _, request in received:
        for resource in request.resource_metrics:
            attrs = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == otel_name:
                        data = m.sum if m.HasField("sum") else m.histogram
                        temporality = data.aggregation_temporality
                        found += [(attrs, temporality, p) for p in data.data_points]
    return found


def _scanner_run(endpoint: str, signals: int) -> None:
    """One `crpbot scan --once` process as far as metrics go: set up, count, flush, exit."""
    telemetry = setup_telemetry("otlp", endpoint, service="scanner", export_interval_s=3600)
    for _ in range(signals):
        telemetry.record_signal("high", "approved", "BTC-USD")
    telemetry.observe_cycle(3.0, "ok")
    telemetry.shutdown()


def test_otlp_consecutive_scanner_runs_add_up_as_deltas_of_one_stream(
    otlp_receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", SCANNER_RESOURCE)
    endpoint, received = otlp_receiver
    _scanner_run(endpoint, signals=2)
    _scanner_run(endpoint, signals=3)

    signals = _points(received, metric("crpbot_signals_total").otel_name)
    cycles = _points(received, metric("crpbot_scan_cycle_duration_seconds").otel_name)
    assert signals and cycles
    delta = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
    assert {temporality for _, temporality, _ in signals + cycles} == {delta}
    # One stream across runs (identical resource and labels), so a receiver converting
    # deltas to a cumulative counter continues the same series instead of restarting it.
    assert all(resource == signals[0][0] for resource, _, _ in signals)
    assert sum(point.as_int or point.as_double for _, _, point in signals) == 5
    assert sum(point.count for _, _, point in cycles) == 2


def test_otlp_resource_carries_the_attributes_the_operator_renders(
    otlp_receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", SCANNER_RESOURCE)
    endpoint, received = otlp_receiver
    _scanner_run(endpoint, signals=1)

    ((resource, _, _),) = _points(received, metric("crpbot_signals_total").otel_name)
    assert {
        "service.name": "scanner",
        "k8s.namespace.name": "bots",
        "namespace": "bots",
        "bot": "demo",
        "service.instance.id": "demo-scanner",
    }.items() <= resource.items()
