"""The operator's own metrics, served for Prometheus to scrape.

The workers export through `crpbot.telemetry` (OpenTelemetry), which the operator's image
does not install; the operator is one long-lived process, so `prometheus_client` serving
`/metrics` gives the same Prometheus series without the OpenTelemetry SDK. The names share the
workers' `crpbot_` prefix and the chart's PodMonitor scrapes them from the `metrics` port.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

METRICS_PORT_ENV = "CRPBOT_OPERATOR_METRICS_PORT"
# Handler and API waits range from a few milliseconds to the API server's timeouts.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# The reconcile lag is known to the second (see `crpbot_operator.lag`) and grows to minutes
# when the operator was down or its handler threads were all busy.
LAG_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)

REGISTRY = CollectorRegistry(auto_describe=True)
RECONCILES = Counter(
    "crpbot_operator_reconciles",
    "TradingBot reconciles (create, update, resume) by result: applied or failed.",
    ["result"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "crpbot_operator_errors",
    "Handler runs that raised, by handler.",
    ["handler"],
    registry=REGISTRY,
)
DRIFT_REPAIRS = Counter(
    "crpbot_operator_drift_repairs",
    "Children re-applied because they were changed or deleted, by kind.",
    ["kind"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "crpbot_operator_handler_duration_seconds",
    "How long a handler ran, by handler.",
    ["handler"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
QUEUE_SECONDS = Histogram(
    "crpbot_operator_apply_queue_seconds",
    "How long an apply waited for a free thread of the shared apply pool.",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
RECONCILE_LAG = Histogram(
    "crpbot_operator_reconcile_lag_seconds",
    "From a TradingBot's latest change to its reconcile handler starting.",
    buckets=LAG_BUCKETS,
    registry=REGISTRY,
)


def series() -> frozenset[str]:
    """Every series name Prometheus stores for these metrics (for the dashboard tests)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        kind = family.type
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
        names.update(family.name + s for s in suffixes.get(kind, ("",)))
    return frozenset(names)


@contextmanager
def timed(handler: str) -> Iterator[None]:
    """Time a handler; count it as an error when it raises."""
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        ERRORS.labels(handler).inc()
        raise
    finally:
        HANDLER_SECONDS.labels(handler).observe(time.perf_counter() - start)


def metrics_port(env: Mapping[str, str]) -> int | None:
    """The port to serve on; None (nothing served) when unset or 0, as in the tests."""
    raw = env.get(METRICS_PORT_ENV) or "0"
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{METRICS_PORT_ENV} must be a port number, not {raw!r}") from None
    if not 0 <= port < 65536:
        raise ValueError(f"{METRICS_PORT_ENV} must be a port number, not {port}")
    return port or None


def serve(port: int, addr: str = "0.0.0.0") -> tuple[WSGIServer, Thread]:
    """Serve `/metrics` on `port` in a daemon thread; the caller shuts the server down."""
    server, thread = start_http_server(port, addr, registry=REGISTRY)
    return server, thread
