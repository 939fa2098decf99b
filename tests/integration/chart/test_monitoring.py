"""What the chart gives Prometheus: a PodMonitor for every bot's metrics ports, the monitoring
namespaces the operator's NetworkPolicies admit, and a collector that turns the scanner's
deltas into cumulative series."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from crpbot_operator.images import Images
from crpbot_operator.render import render_children
from crpbot_operator.spec import parse_spec
from crpbot_operator.telemetry import telemetry_from_env
from tests.fixtures.chart import (
    CI_VALUES,
    Manifest,
    assert_schema_refuses,
    by_kind,
    pod_spec,
    render,
)

POD_MONITOR_ON = "monitoring.podMonitor.enabled=true"
IMAGES = Images(workers="w:1", model_server="ts:1")
BOT_SPEC = {"telegram": {"secretRef": {"name": "tg", "key": "token"}, "allowedChats": [1]}}


def _operator_env(objects: list[Manifest]) -> dict[str, str]:
    operator = next(
        d for d in by_kind(objects, "Deployment") if d["metadata"]["name"].endswith("-operator")
    )
    container = operator["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def _bot_children(objects: list[Manifest]) -> list[Manifest]:
    """What the chart's operator renders for a bot, from the environment the chart gives it."""
    telemetry = telemetry_from_env(_operator_env(objects))
    return render_children("demo", "bots", parse_spec(BOT_SPEC), IMAGES, telemetry)


def _monitor(objects: list[Manifest], suffix: str) -> Manifest:
    (monitor,) = [
        m for m in by_kind(objects, "PodMonitor") if m["metadata"]["name"].endswith(f"-{suffix}")
    ]
    return monitor


def _scraped(monitor: Manifest, children: list[Manifest]) -> set[tuple[str, int]]:
    """(pod owner, container port) of every target the PodMonitor would scrape."""
    selector = monitor["spec"]["selector"]["matchLabels"]
    targets = set()
    for child in children:
        spec = pod_spec(child)
        if spec is None or child["kind"] == "CronJob":
            continue
        labels = child["spec"]["template"]["metadata"]["labels"]
        if not selector.items() <= labels.items():
            continue
        component = labels["app.kubernetes.io/component"]
        for endpoint in monitor["spec"]["podMetricsEndpoints"]:
            keep = [r for r in endpoint.get("relabelings", []) if r.get("action") == "keep"]
            if any(not re.fullmatch(r["regex"], component) for r in keep):
                continue
            for container in spec["containers"]:
                for port in container.get("ports", []):
                    if port["name"] == endpoint["port"]:
                        targets.add((child["metadata"]["name"], port["containerPort"]))
    return targets


def test_pod_monitor_is_off_by_default(helm: Path) -> None:
    assert not by_kind(render(helm), "PodMonitor")


def test_pod_monitor_scrapes_every_bot_metrics_port(helm: Path) -> None:
    objects = render(helm, sets=[POD_MONITOR_ON, "monitoring.podMonitor.labels.release=kps"])
    monitor = _monitor(objects, "bots")
    assert monitor["metadata"]["labels"]["release"] == "kps"
    assert monitor["spec"]["namespaceSelector"] == {"any": True}
    for endpoint in monitor["spec"]["podMetricsEndpoints"]:
        assert endpoint["path"] == "/metrics" and endpoint["interval"] == "30s"
        assert endpoint["honorLabels"] is True
        bot = [r for r in endpoint["relabelings"] if r.get("targetLabel") == "bot"]
        assert bot[0]["sourceLabels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"]
    assert _scraped(monitor, _bot_children(objects)) == {
        ("demo-risk-guard", 8000),
        ("demo-telegram", 8081),
        ("demo-model-server", 8082),
    }


def test_pod_monitor_skips_workers_that_push_otlp(helm: Path) -> None:
    objects = render(helm, [CI_VALUES / "ha-values.yaml"], [POD_MONITOR_ON])
    monitor = _monitor(objects, "bots")
    assert _scraped(monitor, _bot_children(objects)) == {("demo-model-server", 8082)}


def test_pod_monitor_watches_only_the_operator_namespace(helm: Path) -> None:
    objects = render(helm, sets=[POD_MONITOR_ON, "operator.watchNamespace=bots"])
    assert _monitor(objects, "bots")["spec"]["namespaceSelector"] == {"matchNames": ["bots"]}


def test_pod_monitor_scrapes_the_operators_declared_metrics_port(helm: Path) -> None:
    objects = render(helm, sets=[POD_MONITOR_ON, "operator.metricsPort=9191"])
    monitor = _monitor(objects, "operator")
    operator = next(
        d for d in by_kind(objects, "Deployment") if d["metadata"]["name"].endswith("-operator")
    )
    labels = operator["spec"]["template"]["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    container = operator["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert ports[endpoint["port"]] == 9191 and endpoint["path"] == "/metrics"
    assert _operator_env(objects)["CRPBOT_OPERATOR_METRICS_PORT"] == "9191"


def test_operator_metrics_port_zero_serves_and_scrapes_nothing(helm: Path) -> None:
    objects = render(helm, sets=[POD_MONITOR_ON, "operator.metricsPort=0"])
    assert [m["metadata"]["name"][-5:] for m in by_kind(objects, "PodMonitor")] == ["-bots"]
    assert _operator_env(objects)["CRPBOT_OPERATOR_METRICS_PORT"] == "0"


@pytest.mark.parametrize(
    ("sets", "selector"),
    [
        ([], {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}),
        (
            [
                "monitoring.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=observability"
            ],
            {"matchLabels": {"kubernetes.io/metadata.name": "observability"}},
        ),
    ],
    ids=["default", "override"],
)
def test_bot_network_policy_admits_the_chart_monitoring_namespace(
    helm: Path, sets: list[str], selector: Manifest
) -> None:
    children = _bot_children(render(helm, sets=sets))
    policy = next(c for c in children if c["kind"] == "NetworkPolicy")
    (rule,) = [r for r in policy["spec"]["ingress"] if {"namespaceSelector": selector} in r["from"]]
    assert {p["port"] for p in rule["ports"]} == {8000, 8081, 8082}


def test_otel_collector_config_turns_deltas_into_cumulative_series(helm: Path) -> None:
    objects = render(helm, sets=["opentelemetry.collectorConfig.staleAfter=3h"])
    config_map = next(
        m for m in by_kind(objects, "ConfigMap") if m["metadata"]["name"].endswith("otel-collector")
    )
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    processors = config["service"]["pipelines"]["metrics"]["processors"]
    assert processors.index("deltatocumulative") < processors.index("batch")
    assert config["processors"]["deltatocumulative"]["max_stale"] == "3h"
    exporter = config["exporters"]["prometheus"]
    assert exporter["metric_expiration"] == "3h"
    assert exporter["resource_to_telemetry_conversion"] == {"enabled": True}


@pytest.mark.parametrize(
    "bad",
    [
        "monitoring.podMonitor.bogus=1",
        "monitoring.podMonitor.interval=soon",
        "monitoring.namespaceSelector.bogus=1",
        "monitoring.prometheusRule.runbookUrl=docs/runbook.md",
        "opentelemetry.collectorConfig.staleAfter=forever",
    ],
)
def test_values_schema_rejects_bad_monitoring_values(helm: Path, bad: str) -> None:
    assert_schema_refuses(helm, bad)
