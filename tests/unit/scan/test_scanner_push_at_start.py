"""A cycle pushes its primed zeros before it scans (OTLP: one push at each end of a run), so
`increase()` sees a run's counts from a point of the same run, however long ago the previous
run pushed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from prometheus_client import CollectorRegistry

from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.ports import free_port
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import Samples, labels, scrape


class FlushRecorder(Telemetry):
    """What a push would carry at each flush (the registry's samples at that moment)."""

    def __init__(self) -> None:
        registry = CollectorRegistry()
        reader = PrometheusMetricReader(
            registry=registry, scope_info_enabled=False, disable_target_info=True
        )
        super().__init__([reader], registry=registry)
        self.pushes: list[Samples] = []

    def flush(self, timeout_millis: float = 10_000) -> bool:
        self.pushes.append(scrape(self))
        return True


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    instance = FlushRecorder()
    yield instance
    instance.shutdown()


def test_scanner_pushes_its_primed_counters_before_it_scans(
    make_scanner: MakeScanner, telemetry: FlushRecorder, now: datetime
) -> None:
    from crpbot.services.risk_client import RiskClient

    nobody = RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)
    make_scanner(risk=nobody).run_cycle(now)
    assert telemetry.pushes, "nothing pushed before the scan"
    first = telemetry.pushes[0]
    assert first[("crpbot_errors_total", labels(component="risk_guard"))] == 0
    assert ("crpbot_scan_cycle_duration_seconds_count", labels()) not in first
    after = scrape(telemetry)
    assert after[("crpbot_errors_total", labels(component="risk_guard"))] >= 1
