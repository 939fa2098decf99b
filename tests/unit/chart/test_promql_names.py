"""The metric-name extractor the dashboard and alert checks rely on."""

from __future__ import annotations

import pytest

from tests.unit.chart.promql_names import metric_names


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("up", {"up"}),
        (
            'sum by (tier) (increase(crpbot_signals_total{tier="high"}[5m]))',
            {"crpbot_signals_total"},
        ),
        (
            "sum(rate(a_sum[10m])) / sum(rate(a_count[10m])) > 25",
            {"a_sum", "a_count"},
        ),
        ("max by (namespace) (x) == 1 unless on (namespace) sum(y) > 0", {"x", "y"}),
        (
            'label_replace(kube_job_status_failed{job_name=~".+-[0-9]+"}, "cronjob", "$1",'
            ' "job_name", "(.+)-[0-9]+")',
            {"kube_job_status_failed"},
        ),
        ("time() - kube_cronjob_next_schedule_time > 300", {"kube_cronjob_next_schedule_time"}),
        ('sum(increase(m{namespace=~"$namespace"}[$__rate_interval]))', {"m"}),
        ("label_values(crpbot_bot_active, namespace)", {"crpbot_bot_active"}),
        (
            'label_values(crpbot_bot_active{namespace=~"$namespace"}, bot)',
            {"crpbot_bot_active"},
        ),
        ("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))", {"h_bucket"}),
        ("a * on (pod) group_left (node) b offset 5m", {"a", "b"}),
    ],
)
def test_metric_names_finds_selected_metrics_only(expr: str, expected: set[str]) -> None:
    assert metric_names(expr) == expected
