"""Who may reach a bot's pods: its own pods on the service ports, the monitoring namespaces
on the metrics ports only (and every pod that serves `/metrics` declares that port)."""

from __future__ import annotations

from typing import Any

import pytest

from crpbot_operator.render import Manifest, render_children
from crpbot_operator.spec import parse_spec
from crpbot_operator.telemetry import Telemetry
from tests.unit.operator.conftest import FULL_SPEC, IMAGES, by_kind_name, container_of

MONITORING = {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
# (Deployment, its container port that serves /metrics): what the chart's PodMonitor scrapes.
METRICS_ENDPOINTS = {
    "alpha-risk-guard": ("http", 8000),
    "alpha-telegram": ("http", 8081),
    "alpha-model-server": ("metrics", 8082),
}


def _policy(selector: dict[str, Any] | None = None) -> Manifest:
    telemetry = (
        Telemetry() if selector is None else Telemetry(monitoring_namespace_selector=selector)
    )
    children = render_children("alpha", "bots", parse_spec(FULL_SPEC), IMAGES, telemetry)
    return by_kind_name(children)[("NetworkPolicy", "alpha-network")]["spec"]


def _admitted_ports(policy: Manifest, peer: Manifest) -> set[int]:
    return {
        port["port"] for rule in policy["ingress"] if peer in rule["from"] for port in rule["ports"]
    }


def test_render_network_policy_admits_the_monitoring_namespace_to_metrics_ports_only() -> None:
    policy = _policy()
    monitoring = {"namespaceSelector": MONITORING}
    assert _admitted_ports(policy, monitoring) == {port for _, port in METRICS_ENDPOINTS.values()}
    assert 8080 not in _admitted_ports(policy, monitoring), "TorchServe inference stays private"
    covered = set(policy["podSelector"]["matchExpressions"][0]["values"])
    assert {"risk-guard", "telegram", "model-server"} <= covered


@pytest.mark.parametrize(
    "selector",
    [
        {"matchLabels": {"team": "observability"}},
        {
            "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["mon", "prom"]}
            ]
        },
    ],
    ids=["labels", "expressions"],
)
def test_render_network_policy_takes_the_operator_monitoring_selector(
    selector: dict[str, Any],
) -> None:
    policy = _policy(selector)
    assert _admitted_ports(policy, {"namespaceSelector": selector}) == {8000, 8081, 8082}
    assert _admitted_ports(policy, {"namespaceSelector": MONITORING}) == set()


@pytest.mark.parametrize(("owner", "endpoint"), METRICS_ENDPOINTS.items())
def test_render_metrics_servers_declare_their_metrics_port(
    full_children: list[Manifest], owner: str, endpoint: tuple[str, int]
) -> None:
    container = container_of(by_kind_name(full_children)[("Deployment", owner)])
    name, port = endpoint
    assert {"name": name, "containerPort": port} in container["ports"]


def test_render_telegram_serves_metrics_beyond_loopback(full_children: list[Manifest]) -> None:
    command = container_of(by_kind_name(full_children)[("Deployment", "alpha-telegram")])["command"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "8081"


def test_render_network_policy_leaves_the_object_store_reachable_from_fetch_models() -> None:
    """Both pods that fetch the model archives (the model server and the scanner) reach the
    object store, wherever it runs: the policy governs who comes in, never what goes out."""
    policy = _policy()

    assert policy["policyTypes"] == ["Ingress"]
    assert "egress" not in policy
