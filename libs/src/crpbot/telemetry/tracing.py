"""Spans around scan stages, so a slow or failing cycle shows which stage it was.

Spans always get real trace and span ids (the JSON log lines written inside them carry those
ids, which ties logs of one cycle together even with no trace backend); they leave the process
only when `setup_tracing` is given an OTLP endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from crpbot.telemetry.metrics import otlp_url

_SCOPE = "crpbot"
_provider = TracerProvider()
_installed = False


def setup_tracing(
    otlp_endpoint: str | None = None,
    *,
    service: str = "crpbot",
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Name this process in its spans and, given an endpoint or exporter, ship them.

    The first call also installs the provider as the global one (OpenTelemetry allows that
    once per process), so libraries that trace through the API join the same traces.
    """
    global _provider
    _provider.shutdown()
    _provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is None and otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=otlp_url(otlp_endpoint, "traces"))
    if exporter is not None:
        _provider.add_span_processor(BatchSpanProcessor(exporter))
    global _installed
    if not _installed:
        trace.set_tracer_provider(_provider)
        _installed = True
    return _provider


@contextmanager
def stage_span(name: str, **attrs: AttributeValue) -> Iterator[Span]:
    """A span named `scan.<name>` with `attrs`; an escaping exception marks it failed.

    The status names the exception type only: messages may quote secrets or data, and spans
    leave the process.
    """
    tracer = _provider.get_tracer(_SCOPE)
    with tracer.start_as_current_span(
        f"scan.{name}", attributes=attrs, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
