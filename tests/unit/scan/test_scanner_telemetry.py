"""After a cycle, the Prometheus scrape shows the series with the right values, and every
stage left a span."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.orm import Session, sessionmaker

from crpbot.risk import RiskLimits
from crpbot.services.pause import StoredPauseFlag
from crpbot.services.risk_client import RiskClient
from crpbot.telemetry.metrics import Telemetry
from crpbot.telemetry.tracing import setup_tracing
from tests.fixtures.ports import free_port
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import ACCOUNT, BOT, SYMBOLS, labels, scrape

A, B = SYMBOLS


def test_scanner_metrics_after_a_cycle(
    make_scanner: MakeScanner, telemetry: Telemetry, now: datetime
) -> None:
    make_scanner(limits=RiskLimits(signals_per_hour=1, high_tier_per_hour=1)).run_cycle(now)
    samples = scrape(telemetry)

    approved = labels(tier="high", decision="approved", symbol=A)
    rejected = labels(tier="high", decision="rejected", symbol=B)
    assert samples[("crpbot_signals_total", approved)] == 1
    assert samples[("crpbot_signals_total", rejected)] == 1
    assert samples[("crpbot_risk_rejections_total", labels(reason="rate_limit_signals"))] == 1
    assert samples[("crpbot_risk_rejections_total", labels(reason="rate_limit_high_tier"))] == 1
    assert samples[("crpbot_scan_cycle_duration_seconds_count", labels())] == 1
    assert samples[("crpbot_scan_cycle_duration_seconds_sum", labels())] > 0
    assert samples[("crpbot_scan_cycles_total", labels(result="ok"))] == 1
    inference = labels(backend="inprocess", model=_model_version(make_scanner))
    # one model call scores both symbols' windows (the cycle is batched)
    assert samples[("crpbot_inference_latency_seconds_count", inference)] == 1
    assert samples[("crpbot_signal_confidence_count", labels(tier="high"))] == 2
    assert samples[("crpbot_equity", labels(account=ACCOUNT))] == 100_000
    assert samples[("crpbot_ftmo_daily_headroom", labels(account=ACCOUNT))] == 5_000
    assert samples[("crpbot_ftmo_total_headroom", labels(account=ACCOUNT))] == 10_000
    assert samples[("crpbot_bot_active", labels(bot=BOT))] == 1


def _model_version(make_scanner: MakeScanner) -> str:
    return make_scanner().deps.model.metadata.model_version


def test_scanner_metrics_count_errors_by_component(
    make_scanner: MakeScanner, telemetry: Telemetry, now: datetime
) -> None:
    nobody = RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)
    make_scanner(risk=nobody, symbols=(A, "GONE-USD")).run_cycle(now)
    samples = scrape(telemetry)

    assert samples[("crpbot_errors_total", labels(component="scanner"))] == 1
    assert samples[("crpbot_errors_total", labels(component="risk_guard"))] == 2, "equity+check"
    assert samples[("crpbot_signals_total", labels(tier="high", decision="error", symbol=A))] == 1
    assert samples[("crpbot_scan_cycles_total", labels(result="partial"))] == 1


@pytest.fixture
def spans() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    yield exporter, setup_tracing(service="scanner", exporter=exporter)
    setup_tracing()


def test_scanner_leaves_a_span_per_stage(
    make_scanner: MakeScanner,
    spans: tuple[InMemorySpanExporter, TracerProvider],
    now: datetime,
) -> None:
    exporter, provider = spans
    make_scanner(symbols=(A,)).run_cycle(now)
    provider.force_flush()
    finished = exporter.get_finished_spans()
    names = [s.name for s in finished]
    assert {"scan.cycle", "scan.fetch", "scan.score", "scan.risk", "scan.store", "scan.notify"} <= (
        set(names)
    )
    (cycle,) = (s for s in finished if s.name == "scan.cycle")
    trace_ids = {s.context.trace_id for s in finished}
    assert trace_ids == {cycle.context.trace_id}, "one trace per cycle"


def test_scanner_starts_every_cycle_series_at_zero_even_while_paused(
    make_scanner: MakeScanner,
    telemetry: Telemetry,
    sessions: sessionmaker[Session],
    now: datetime,
) -> None:
    """A series born at its first count hides that count from increase(): the first
    scanner error, the first signal of a symbol, must be an increase from 0."""
    scanner = make_scanner()
    scanner.deps.pause = StoredPauseFlag(sessions, BOT, clock=lambda: now)
    scanner.deps.pause.set_paused(True)
    assert scanner.run_cycle(now).paused
    samples = scrape(telemetry)

    for symbol in SYMBOLS:
        for tier in ("high", "medium", "low"):
            for decision in ("approved", "rejected", "error"):
                series = labels(tier=tier, decision=decision, symbol=symbol)
                assert samples[("crpbot_signals_total", series)] == 0
    for result in ("ok", "partial", "failed"):
        assert samples[("crpbot_scan_cycles_total", labels(result=result))] == 0
    for component in ("scanner", "risk_guard", "database", "notify"):
        assert samples[("crpbot_errors_total", labels(component=component))] == 0
