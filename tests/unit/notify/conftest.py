"""Notifier fixtures: the Telegram stand-in and a telemetry registry to read counts from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from prometheus_client import CollectorRegistry

from crpbot.notify.alerts import DailyReportAlert, FailureAlert, RiskAlert, SignalAlert
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.telegram_api import telegram_api_fixture  # noqa: F401  (fixture)

TS = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    registry = CollectorRegistry()
    reader = PrometheusMetricReader(
        registry=registry, scope_info_enabled=False, disable_target_info=True
    )
    instance = Telemetry([reader], registry=registry)
    yield instance
    instance.shutdown()


def count(telemetry: Telemetry, series: str, **labels: str) -> float:
    """Current value of one series (0 when never recorded)."""
    assert telemetry.registry is not None
    return telemetry.registry.get_sample_value(series, labels) or 0.0


SIGNAL = SignalAlert(
    bot="local",
    symbol="BTC-USD",
    side="long",
    entry=64_250.5,
    stop=63_900.0,
    target=65_000.25,
    confidence=0.734,
    tier="high",
    bar_ts=TS,
    expiry=datetime(2026, 3, 2, 18, 0, tzinfo=UTC),
    size=0.25,
)
RISK = RiskAlert(
    account="ftmo-1",
    status="halted_daily",
    equity=94_900.0,
    daily_floor=95_000.0,
    total_floor=90_000.0,
    ts=TS,
    detail="daily_loss_floor",
)
DAILY = DailyReportAlert(
    bot="local",
    day=date(2026, 3, 1),
    signals=12,
    approved=7,
    rejected=5,
    won=4,
    lost=2,
    expired=1,
    equity=101_200.0,
    daily_headroom=5_100.0,
)
FAILURE = FailureAlert(component="operator", summary="cannot create CronJob (403)", ts=TS, bot="b1")
