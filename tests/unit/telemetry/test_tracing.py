"""Stage spans: JSON log lines inside carry the span's ids, and spans reach an exporter."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from crpbot.telemetry import configure_logging
from crpbot.telemetry.tracing import setup_tracing, stage_span


@pytest.fixture
def log_stream() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("scanner", level="INFO", fmt="json", stream=stream)
    return stream


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = setup_tracing(service="scanner", exporter=exporter)
    yield exporter
    provider.force_flush()
    setup_tracing()


def _lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_tracing_logs_inside_a_stage_carry_trace_and_span_ids(
    log_stream: io.StringIO, spans: InMemorySpanExporter
) -> None:
    log = logging.getLogger("crpbot.scan")
    log.info("before")
    with stage_span("cycle") as cycle, stage_span("features", symbol="BTC-USD") as features:
        log.info("computing")
    log.info("after")
    before, inside, after = _lines(log_stream)
    assert "trace_id" not in before and "trace_id" not in after
    assert inside["trace_id"] == format(cycle.get_span_context().trace_id, "032x")
    assert inside["span_id"] == format(features.get_span_context().span_id, "016x")
    assert len(inside["trace_id"]) == 32 and len(inside["span_id"]) == 16


def test_tracing_stage_spans_nest_and_record_attributes(spans: InMemorySpanExporter) -> None:
    with stage_span("cycle"), stage_span("inference", symbol="ETH-USD", model="lstm"):
        pass
    setup_tracing()
    inner, outer = spans.get_finished_spans()
    assert (inner.name, outer.name) == ("scan.inference", "scan.cycle")
    assert inner.parent is not None and inner.parent.span_id == outer.context.span_id
    assert dict(inner.attributes or {}) == {"symbol": "ETH-USD", "model": "lstm"}
    assert inner.resource.attributes["service.name"] == "scanner"


def test_tracing_failed_stage_is_marked_with_the_exception_type_only(
    spans: InMemorySpanExporter,
) -> None:
    with pytest.raises(RuntimeError), stage_span("risk"):
        raise RuntimeError("token=abc123 leaked")
    setup_tracing()
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "RuntimeError"
    assert not span.events
