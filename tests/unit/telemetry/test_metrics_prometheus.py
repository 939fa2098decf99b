"""Scraping `/metrics` after a scan cycle shows every catalog metric by its catalog name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crpbot.telemetry.catalog import METRICS, MetricSpec, all_series, metric
from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import Telemetry, get_telemetry, otlp_url, setup_telemetry
from tests.unit.telemetry.conftest import scrape


def _labels(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def _one_scan_cycle(telemetry: Telemetry) -> None:
    """What the scanner, guard, notifier and tracker report around one cycle."""
    telemetry.record_signal("high", "approved", "BTC-USD", confidence=0.72)
    telemetry.record_signal("high", "approved", "BTC-USD", confidence=0.81)
    telemetry.record_signal("low", "rejected", "ETH-USD", confidence=0.52)
    telemetry.record_rejection("rate_limit_hour")
    telemetry.record_refusal("ftmo-1", "future_ts")
    telemetry.observe_inference("inprocess", "lstm", 0.004)
    telemetry.observe_inference("inprocess", "lstm", 0.030)
    telemetry.observe_cycle(3.5, "ok")
    telemetry.count_error("scanner")
    telemetry.record_delivery("ok")
    telemetry.record_delivery("retried")
    telemetry.record_notification("telegram", "ok")
    telemetry.set_equity("ftmo-1", 101_250.5, 4_250.5, 11_250.5)
    telemetry.set_bot_active("local", True)
    telemetry.record_outcome("high", "won")
    telemetry.count_spool_quarantined("json_invalid")


EXPECTED: dict[str, tuple[frozenset[tuple[str, str]], float]] = {
    "crpbot_signals_total": (_labels(tier="high", decision="approved", symbol="BTC-USD"), 2),
    "crpbot_risk_rejections_total": (_labels(reason="rate_limit_hour"), 1),
    "crpbot_risk_refusals_total": (_labels(account="ftmo-1", reason="future_ts"), 1),
    "crpbot_signal_confidence_count": (_labels(tier="high"), 2),
    "crpbot_outcomes_total": (_labels(tier="high", result="won"), 1),
    "crpbot_scan_cycle_duration_seconds_sum": (_labels(), 3.5),
    "crpbot_scan_cycles_total": (_labels(result="ok"), 1),
    "crpbot_inference_latency_seconds_count": (_labels(backend="inprocess", model="lstm"), 2),
    "crpbot_errors_total": (_labels(component="scanner"), 1),
    "crpbot_telegram_deliveries_total": (_labels(result="retried"), 1),
    "crpbot_notifications_total": (_labels(channel="telegram", result="ok"), 1),
    "crpbot_equity": (_labels(account="ftmo-1"), 101_250.5),
    "crpbot_ftmo_daily_headroom": (_labels(account="ftmo-1"), 4_250.5),
    "crpbot_ftmo_total_headroom": (_labels(account="ftmo-1"), 11_250.5),
    "crpbot_bot_active": (_labels(bot="local"), 1),
    "crpbot_spool_quarantined_total": (_labels(reason="json_invalid"), 1),
}


@pytest.mark.parametrize("spec", METRICS, ids=lambda spec: spec.name)
def test_expected_table_covers_every_catalog_metric(spec: MetricSpec) -> None:
    assert set(spec.series) & EXPECTED.keys()


@pytest.mark.parametrize("series", sorted(EXPECTED))
def test_metrics_scrape_shows_series_with_value_and_labels(
    telemetry: Telemetry, client: TestClient, series: str
) -> None:
    _one_scan_cycle(telemetry)
    labels, value = EXPECTED[series]
    assert scrape(client)[(series, labels)] == pytest.approx(value)


def test_metrics_scrape_names_equal_the_catalog(telemetry: Telemetry, client: TestClient) -> None:
    _one_scan_cycle(telemetry)
    scraped = {name for name, _ in scrape(client)}
    assert scraped == set(all_series())


def test_metrics_labels_are_exactly_the_catalog_labels(
    telemetry: Telemetry, client: TestClient
) -> None:
    _one_scan_cycle(telemetry)
    for (name, labels), _ in scrape(client).items():
        spec = next(s for s in METRICS if name in s.series)
        assert {key for key, _ in labels} - {"le"} == set(spec.labels), name


def test_metrics_histogram_buckets_split_cycle_and_inference_times(
    telemetry: Telemetry, client: TestClient
) -> None:
    _one_scan_cycle(telemetry)
    samples = scrape(client)
    inference = _labels(backend="inprocess", model="lstm")
    assert samples[("crpbot_inference_latency_seconds_bucket", inference | {("le", "0.005")})] == 1
    assert samples[("crpbot_inference_latency_seconds_bucket", inference | {("le", "0.05")})] == 2
    assert samples[("crpbot_scan_cycle_duration_seconds_bucket", _labels(le="2.0"))] == 0
    assert samples[("crpbot_scan_cycle_duration_seconds_bucket", _labels(le="5.0"))] == 1
    confidence = _labels(tier="high")
    assert samples[("crpbot_signal_confidence_bucket", confidence | {("le", "0.75")})] == 1


def test_metrics_gauges_keep_the_last_value(telemetry: Telemetry, client: TestClient) -> None:
    telemetry.set_bot_active("local", True)
    telemetry.set_bot_active("local", False)
    assert scrape(client)[("crpbot_bot_active", _labels(bot="local"))] == 0


def test_metrics_counters_accumulate_across_scrapes(
    telemetry: Telemetry, client: TestClient
) -> None:
    telemetry.count_error("telegram")
    scrape(client)
    telemetry.count_error("telegram")
    assert scrape(client)[("crpbot_errors_total", _labels(component="telegram"))] == 2


@pytest.mark.parametrize(
    ("series", "labels"),
    [
        ("crpbot_errors_total", _labels(component="telegram")),
        ("crpbot_telegram_deliveries_total", _labels(result="failed")),
        ("crpbot_notifications_total", _labels(channel="telegram", result="failed")),
    ],
)
def test_metrics_start_counts_serves_failure_counts_at_zero_before_any_failure(
    telemetry: Telemetry, client: TestClient, series: str, labels: frozenset[Any]
) -> None:
    """A first failure must be an increase from a scraped 0, not a series born at 1."""
    telemetry.start_counts("telegram")
    assert scrape(client)[(series, labels)] == 0


def test_metrics_gauges_carry_no_unit_the_otlp_receiver_would_append() -> None:
    """Prometheus names a gauge of unit `1` received over OTLP `<name>_ratio`."""
    assert [s.name for s in METRICS if s.kind == "gauge" and s.unit] == []


@pytest.mark.parametrize(
    ("name", "otel_name"),
    [
        ("crpbot_signals_total", "crpbot_signals"),
        ("crpbot_scan_cycle_duration_seconds", "crpbot_scan_cycle_duration"),
        ("crpbot_signal_confidence", "crpbot_signal_confidence"),
        ("crpbot_equity", "crpbot_equity"),
    ],
)
def test_metric_spec_otel_name_drops_exporter_suffixes(name: str, otel_name: str) -> None:
    assert metric(name).otel_name == otel_name


@pytest.fixture
def reset_default() -> Iterator[None]:
    yield
    setup_telemetry("none")


def test_setup_telemetry_prometheus_becomes_the_default_served_by_the_router(
    reset_default: None,
) -> None:
    telemetry = setup_telemetry("prometheus", service="test")
    assert get_telemetry() is telemetry
    app = FastAPI()
    app.include_router(health_router(Readiness()))
    telemetry.count_error("operator")
    samples = scrape(TestClient(app))
    assert samples[("crpbot_errors_total", _labels(component="operator"))] == 1


def test_setup_telemetry_none_serves_no_metrics(reset_default: None) -> None:
    setup_telemetry("none")
    app = FastAPI()
    app.include_router(health_router(Readiness()))
    get_telemetry().count_error("scanner")
    assert TestClient(app).get("/metrics").status_code == 404


def test_setup_telemetry_otlp_needs_an_endpoint() -> None:
    with pytest.raises(ValueError, match="otlp_endpoint"):
        setup_telemetry("otlp")


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://collector:4318", "http://collector:4318/v1/metrics"),
        ("http://collector:4318/", "http://collector:4318/v1/metrics"),
        ("http://collector:4318/v1/metrics", "http://collector:4318/v1/metrics"),
    ],
)
def test_otlp_url_appends_the_signal_path_once(endpoint: str, url: str) -> None:
    assert otlp_url(endpoint, "metrics") == url
