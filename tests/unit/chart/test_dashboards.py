"""Grafana dashboards and alert rules query only metrics crpbot, its operator or
kube-state-metrics emit."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from crpbot.telemetry.catalog import METRICS, all_series
from crpbot_operator.metrics import REGISTRY as OPERATOR_REGISTRY
from crpbot_operator.metrics import series as operator_series
from tests.fixtures.chart import DASHBOARDS, RULES_FILE
from tests.unit.chart.promql_names import metric_names

# kube-state-metrics series the scanner-job panels and alarm read (CronJob/Job/Pod state).
KUBE_STATE_METRICS = frozenset(
    {
        "kube_job_status_failed",
        "kube_job_status_succeeded",
        "kube_cronjob_next_schedule_time",
        "kube_cronjob_status_last_schedule_time",
        "kube_cronjob_status_last_successful_time",
        "kube_cronjob_spec_suspend",
        "kube_pod_container_status_restarts_total",
    }
)
DASHBOARD_FILES = sorted(DASHBOARDS.glob("*.json"))
REQUIRED_PANELS = {
    "trading": (
        "signals by tier",
        "decisions",
        "rejections by reason",
        "confidence",
        "win rate",
        "ftmo headroom",
        "paper equity",
    ),
    "system": (
        "cycle duration",
        "errors by component",
        "inference latency",
        "scanner jobs",
        "restarts",
        "operator reconciles",
        "operator reconcile lag",
    ),
}


def _dashboard_queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            yield f"${variable['name']}", variable["query"]["query"]


def _rule_queries() -> Iterator[tuple[str, str]]:
    for group in yaml.safe_load(RULES_FILE.read_text())["groups"]:
        for rule in group["rules"]:
            yield rule["alert"], rule["expr"]


def _all_queries() -> Iterator[tuple[str, str]]:
    for path in DASHBOARD_FILES:
        for where, expr in _dashboard_queries(json.loads(path.read_text())):
            yield f"{path.name}: {where}", expr
    for alert, expr in _rule_queries():
        yield f"alert {alert}", expr


@pytest.mark.parametrize(("where", "expr"), list(_all_queries()), ids=lambda v: str(v)[:60])
def test_query_names_only_emitted_metrics(where: str, expr: str) -> None:
    names = metric_names(expr)
    assert names, f"{where}: no metric found in {expr!r}"
    unknown = names - all_series() - operator_series() - KUBE_STATE_METRICS
    assert not unknown, f"{where}: {sorted(unknown)} emitted by neither crpbot nor its operator"


def test_every_catalog_metric_is_on_a_dashboard_or_alarm() -> None:
    used = set().union(*(metric_names(expr) for _, expr in _all_queries()))
    unused = [spec.name for spec in METRICS if not set(spec.series) & used]
    assert not unused, f"metrics nobody looks at: {unused}"


def test_every_operator_metric_is_on_the_system_dashboard() -> None:
    """The operator row reads what `crpbot_operator.metrics` registers, every family of it."""
    dashboard = json.loads((DASHBOARDS / "system.json").read_text())
    used = set().union(*(metric_names(expr) for _, expr in _dashboard_queries(dashboard)))
    for family in OPERATOR_REGISTRY.collect():
        assert any(name.startswith(family.name) for name in used), family.name
    titles = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert "Operator" in titles


@pytest.mark.parametrize("name", sorted(REQUIRED_PANELS))
def test_dashboard_has_the_panels_the_issue_asks_for(name: str) -> None:
    dashboard = json.loads((DASHBOARDS / f"{name}.json").read_text())
    titles = " | ".join(p["title"].lower() for p in dashboard["panels"])
    for wanted in REQUIRED_PANELS[name]:
        assert wanted in titles, f"{name} dashboard lacks a '{wanted}' panel"


def test_dashboards_have_unique_ids_and_a_datasource_variable() -> None:
    dashboards = [json.loads(p.read_text()) for p in DASHBOARD_FILES]
    assert len({d["uid"] for d in dashboards}) == len(dashboards) == 2
    for dashboard in dashboards:
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["datasource"]["query"] == "prometheus"
        panel_ids = [p["id"] for p in dashboard["panels"]]
        assert len(set(panel_ids)) == len(panel_ids)
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.stem)
def test_dashboards_filter_every_bot_series_by_namespace_and_bot(path: Any) -> None:
    dashboard = json.loads(path.read_text())
    variables = [v["name"] for v in dashboard["templating"]["list"]]
    assert variables[-2:] == ["namespace", "bot"]
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            selectors = re.findall(r"(crpbot_\w+)(\{[^}]*\})?", target["expr"])
            for name, selector in selectors:
                if name.startswith("crpbot_operator_"):
                    # one operator per release namespace, for every bot: nothing to filter by
                    assert "$namespace" not in selector and "$bot" not in selector, name
                    continue
                assert 'namespace=~"$namespace"' in selector, f"{panel['title']}: {name}"
                assert 'bot=~"$bot"' in selector, f"{panel['title']}: {name}"
