"""The operator's own metrics: names, the handler timer and the port setting."""

from __future__ import annotations

import pytest

from crpbot_operator.metrics import (
    METRICS_PORT_ENV,
    REGISTRY,
    metrics_port,
    series,
    timed,
)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_series_are_the_names_prometheus_stores() -> None:
    assert {
        "crpbot_operator_reconciles_total",
        "crpbot_operator_errors_total",
        "crpbot_operator_drift_repairs_total",
        "crpbot_operator_handler_duration_seconds_bucket",
        "crpbot_operator_apply_queue_seconds_count",
        "crpbot_operator_reconcile_lag_seconds_bucket",
    } <= series()


def test_timed_counts_a_raising_handler_as_an_error_and_times_both() -> None:
    errors = _sample("crpbot_operator_errors_total", handler="unit")
    runs = _sample("crpbot_operator_handler_duration_seconds_count", handler="unit")
    with timed("unit"):
        pass
    with pytest.raises(RuntimeError), timed("unit"):
        raise RuntimeError("boom")
    assert _sample("crpbot_operator_errors_total", handler="unit") == errors + 1
    assert _sample("crpbot_operator_handler_duration_seconds_count", handler="unit") == runs + 2


@pytest.mark.parametrize(("raw", "port"), [(None, None), ("", None), ("0", None), ("9090", 9090)])
def test_metrics_port_is_off_unless_set(raw: str | None, port: int | None) -> None:
    env = {} if raw is None else {METRICS_PORT_ENV: raw}
    assert metrics_port(env) == port


@pytest.mark.parametrize("raw", ["http", "-1", "70000"])
def test_metrics_port_rejects_what_is_not_a_port(raw: str) -> None:
    with pytest.raises(ValueError, match=METRICS_PORT_ENV):
        metrics_port({METRICS_PORT_ENV: raw})
