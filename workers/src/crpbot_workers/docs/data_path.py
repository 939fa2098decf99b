"""The data path section of docs/telemetry.md: each process, how its metrics reach Prometheus
with the labels the rules group by, and which alert and dashboard panel reads each metric.

The alert and panel columns are read from the chart's own rule file and dashboards (so a new
alert or panel shows up without editing this module); what the files cannot say (how each
process runs and exports) is kept here. Rendered from the repository checkout, like every
generated page.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crpbot.telemetry.catalog import METRICS

REPO = Path(__file__).resolve().parents[4]
RULES = REPO / "charts" / "crpbot" / "files" / "alerts" / "crpbot-rules.yaml"
DASHBOARDS = REPO / "charts" / "crpbot" / "files" / "dashboards"
KUBE_STATE_METRICS = (
    "kube_cronjob_status_last_schedule_time",
    "kube_cronjob_status_last_successful_time",
    "kube_cronjob_next_schedule_time",
    "kube_cronjob_spec_suspend",
    "kube_job_status_failed",
    "kube_job_status_succeeded",
    "kube_pod_container_status_restarts_total",
)
_HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


@dataclass(frozen=True, slots=True)
class Route:
    """One process in a cluster and how its metrics get to Prometheus."""

    process: str
    runs_as: str
    transport: str
    labels: str


ROUTES: tuple[Route, ...] = (
    Route(
        "scanner",
        "CronJob `<bot>-scanner`: one `crpbot scan --once` pod per tick, gone after it",
        "OTLP push of deltas at exit to `opentelemetry.workers.otlpEndpoint` (or the bot's "
        "`spec.telemetry.otlpEndpoint`): a collector (`deltatocumulative`, then its "
        "Prometheus exporter, scraped) or Prometheus's OTLP receiver "
        "(`/api/v1/otlp/v1/metrics`, "
        "`--enable-feature=otlp-deltatocumulative,created-timestamp-zero-ingestion`)",
        "resource attributes `namespace` and `bot` (promoted to labels); `instance` = "
        "`service.instance.id` = `<bot>-scanner`, the same on every run; `job` = `scanner`",
    ),
    Route(
        "risk guard",
        "Deployment `<bot>-risk-guard` (2 replicas with a database)",
        "exporter `prometheus`: scraped `/metrics` on port `http` (8000) through the chart's "
        "PodMonitor; exporter `otlp`: pushed like the scanner",
        "scraped: `namespace` from the Prometheus Operator, `bot` relabelled from the pod's "
        "`app.kubernetes.io/instance`, `instance` the pod's address; pushed: resource "
        "attributes, `instance` = the pod name",
    ),
    Route(
        "Telegram bot",
        "Deployment `<bot>-telegram` (1 replica)",
        "as the risk guard, on port `http` (8081)",
        "as the risk guard",
    ),
    Route(
        "model server",
        "Deployment `<bot>-model-server` (TorchServe)",
        "scraped: TorchServe's own `ts_*` metrics on port `metrics` (8082) through the "
        "PodMonitor; inference latency as the scanner sees it is the scanner's metric",
        "as the risk guard",
    ),
    Route(
        "kube-state-metrics",
        "your monitoring stack (kube-prometheus-stack)",
        "scraped by your Prometheus",
        "`namespace`, `cronjob`, `job_name` from the objects",
    ),
)

_PROMETHEUS_CONFIG = """\
Prometheus's OTLP receiver (Prometheus 3.2 or later) needs, for the scanner's series to carry
the labels the rules use:

```yaml
# started with --web.enable-otlp-receiver
# --enable-feature=otlp-deltatocumulative,created-timestamp-zero-ingestion (a stream's
# first push then starts from 0 and counts in increase())
otlp:
  promote_resource_attributes: [namespace, bot]
```

(Prometheus Operator: `spec.enableOTLPReceiver`, `spec.enableFeatures` and
`spec.otlp.promoteResourceAttributes`.) The operator renders each worker's
`OTEL_RESOURCE_ATTRIBUTES` from the downward API: `k8s.namespace.name` and `namespace` (the pod's
namespace), `bot`, `service.instance.id`, and `k8s.pod.name` on long-lived pods. `namespace` is
there as well as the semantic-convention name because Prometheus turns a promoted
`k8s.namespace.name` into `k8s_namespace_name`, and every rule groups by `namespace`; so a
collector needs no `k8sattributes` processor (nor its RBAC) either. Scrape a collector with
`honorLabels: true`, or Prometheus replaces `namespace` with the collector's own.

Why deltas: every scanner run is a new process. Cumulative counters would restart at zero
under the same series each run, and a run that counts more than the one before reads as a
small increase instead of a reset, so `increase()` undercounts. A delta is what one run
counted; the receiver adds consecutive runs of one stream (same resource, same labels, which is
why the scanner's resource has no pod name) into one cumulative series, which `increase()` and
`rate()` read as usual. The receiver keeps that sum in memory: a collector keeps a quiet stream
for `opentelemetry.collectorConfig.staleAfter` (keep it above the longest schedule interval);
Prometheus's built-in conversion is experimental, so prefer a collector for schedules sparser
than a few minutes. `increase()` needs two points of a series, so a series whose first point
already holds its first count would hide it: every cycle starts the series it can produce
(signals by tier, decision and symbol; cycles by result; errors by component) at 0
(`Telemetry.prime_scanner`) and pushes those zeros before it scans, so a run's counts
increase from a point of the same run even when the previous run's point has left the
window. A label set known only from data (a quarantine reason, a refused account) still
counts from its second point."""


def _metric_names() -> list[str]:
    return [*(spec.name for spec in METRICS), *KUBE_STATE_METRICS]


def _names_in(expr: str) -> set[str]:
    """Catalog and kube-state-metrics names a PromQL expression reads (histogram series too)."""
    found = set()
    for name in _metric_names():
        pattern = rf"\b{re.escape(name)}(?:{'|'.join(_HISTOGRAM_SERIES)})?\b"
        if re.search(pattern, expr):
            found.add(name)
    return found


def _alerts(rules: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                yield rule["alert"], str(rule["expr"])


def _panels(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in dashboard.get("panels", []):
        for target in panel.get("targets", []):
            if "expr" in target:
                yield f"{dashboard['title']}: {panel['title']}", target["expr"]


def readers(root: Path = REPO) -> dict[str, tuple[list[str], list[str]]]:
    """Metric name -> (alerts, dashboard panels) that query it."""
    rules_file = root / RULES.relative_to(REPO)
    alerts: defaultdict[str, set[str]] = defaultdict(set)
    panels: defaultdict[str, set[str]] = defaultdict(set)
    for alert, expr in _alerts(yaml.safe_load(rules_file.read_text(encoding="utf-8"))):
        for name in _names_in(expr):
            alerts[name].add(f"`{alert}`")
    for path in sorted((root / DASHBOARDS.relative_to(REPO)).glob("*.json")):
        for panel, expr in _panels(json.loads(path.read_text(encoding="utf-8"))):
            for name in _names_in(expr):
                panels[name].add(panel)
    return {name: (sorted(alerts[name]), sorted(panels[name])) for name in _metric_names()}


def data_path_section(emitted_by: dict[str, str]) -> list[str]:
    lines = [
        "## Data path from each process to each alert and dashboard",
        "",
        "| process | runs as | reaches Prometheus by | `namespace`, `bot`, `instance` from |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.process} | {r.runs_as} | {r.transport} | {r.labels} |" for r in ROUTES]
    lines += ["", _PROMETHEUS_CONFIG, "", "| metric | emitted by | alerts | dashboard panels |"]
    lines.append("|---|---|---|---|")
    for name, (alerts, panels) in readers().items():
        source = emitted_by.get(name, "kube-state-metrics")
        row = (
            f"[`{name}`](#metrics)",
            source,
            ", ".join(alerts) or "none",
            "; ".join(panels) or "none",
        )
        lines.append("| " + " | ".join(row) + " |")
    return lines
