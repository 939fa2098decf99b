"""Every dashboard panel's query returns data in the Prometheus the alert run filled.

The panels' PromQL is rendered as Grafana would (template variables set to the run's bot,
`$__rate_interval` and `$__range` to the run's span) and queried over Prometheus's HTTP API.
A query that names a metric the code does not emit, or a label it does not carry, comes back
empty and fails here. Panels on series this run cannot produce are listed with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.telemetry.scenario import ALPHA, AlertRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

DASHBOARDS = Path(__file__).resolve().parents[3] / "charts" / "crpbot" / "files" / "dashboards"

STEP_S = 15.0
NOT_EMITTED_HERE = {
    "kube_pod_container_status_restarts_total": "kube-state-metrics pod series: no pods here",
    "crpbot_outcomes_total": "the outcome tracker does not run in the alert run",
    "crpbot_risk_rejections_total": "every signal the run's guard answers is approved",
    "crpbot_operator_": "no operator runs in the alert run; its panels are checked against "
    "its own registry in tests/unit/chart/test_dashboards.py",
}
"""Series no process of the run emits, with why; a panel on any other series must have data."""


def _panel_queries() -> list[Any]:
    queries = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                where = f"{path.stem}/{panel['title']}/{target['refId']}"
                queries.append(pytest.param(where, target["expr"], id=where))
    return queries


def _variable_queries() -> list[tuple[str, str, str]]:
    """Each query variable's `label_values(<selector>, <label>)` as (where, selector, label)."""
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for variable in json.loads(path.read_text())["templating"]["list"]:
            if variable["type"] != "query":
                continue
            call = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable["query"]["query"])
            assert call, f"{path.stem}: ${variable['name']} is not a label_values() query"
            found.append((f"{path.stem}/${variable['name']}", call.group(1), call.group(2)))
    return found


def render_query(expr: str, variables: dict[str, str], span_s: float) -> str:
    """The query Grafana sends: variables substituted, interval macros made concrete
    (`$__rate_interval` as Grafana computes it for a 15 s step and a 1 s scrape interval is
    far shorter than a scanner cycle; the alert rules' window is used instead)."""
    rendered = expr.replace("$__rate_interval", "2m").replace("$__range", f"{int(span_s)}s")
    for name, value in variables.items():
        rendered = re.sub(rf"\$\{{?{name}\}}?\b", value, rendered)
    assert "$" not in rendered.replace("$1", ""), f"unrendered variable in {rendered}"
    return rendered


@pytest.mark.parametrize(("panel", "expr"), _panel_queries())
def test_dashboard_queries_panel_has_data_after_a_run(
    alert_run: AlertRun, panel: str, expr: str
) -> None:
    skipped = [metric for metric in NOT_EMITTED_HERE if metric in expr]
    if skipped:
        pytest.skip(NOT_EMITTED_HERE[skipped[0]])
    span = alert_run.ended - alert_run.started
    query = render_query(expr, {"namespace": ALPHA, "bot": ALPHA}, span)
    series = alert_run.api.query_range(query, alert_run.started, alert_run.ended, STEP_S)
    assert series, f"{panel}: no data over the run for {query}"


@pytest.mark.parametrize(("variable", "selector", "label"), _variable_queries(), ids=str)
def test_dashboard_queries_variable_offers_the_bot(
    alert_run: AlertRun, variable: str, selector: str, label: str
) -> None:
    """The namespace and bot pickers list the run's bot (else every panel shows nothing)."""
    rendered = render_query(selector, {"namespace": ".*", "bot": ".*"}, 0)
    values = alert_run.api.label_values(label, rendered, alert_run.started, alert_run.ended)
    assert ALPHA in values, f"{variable}: label_values({rendered}, {label}) offers {values}"
