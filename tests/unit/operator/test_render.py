"""render_children: which children exist and what each one says, without a cluster."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from crpbot.config import Settings
from crpbot_operator.render import Manifest, render_children
from crpbot_operator.spec import parse_spec
from crpbot_operator.telemetry import Telemetry
from tests.fixtures.chart import REPO
from tests.unit.operator.conftest import (
    EXPECTED_CHILDREN,
    FULL_SPEC,
    IMAGES,
    by_kind_name,
    container_of,
    pod_specs,
    render,
    spec_with,
)


def test_render_children_produces_every_child(full_children: list[Manifest]) -> None:
    assert set(by_kind_name(full_children)) == EXPECTED_CHILDREN
    assert len(full_children) == len(EXPECTED_CHILDREN)


def test_render_children_same_set_for_minimal_spec(minimal_children: list[Manifest]) -> None:
    assert set(by_kind_name(minimal_children)) == EXPECTED_CHILDREN


def test_render_children_is_deterministic() -> None:
    assert render(FULL_SPEC) == render(copy.deepcopy(FULL_SPEC))


def test_render_children_is_owner_agnostic(full_children: list[Manifest]) -> None:
    for child in full_children:
        assert "ownerReferences" not in child["metadata"]
        assert child["metadata"]["namespace"] == "bots"


def test_render_children_labels_every_object_and_pod(full_children: list[Manifest]) -> None:
    for child in full_children:
        labels = child["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "crpbot-operator"
        assert labels["app.kubernetes.io/instance"] == "alpha"
        assert labels["app.kubernetes.io/part-of"] == "crpbot"
        assert labels["app.kubernetes.io/name"] == "crpbot"
        assert labels["app.kubernetes.io/component"]
    for child in full_children:
        if child["kind"] == "Deployment":
            selector = child["spec"]["selector"]["matchLabels"]
            pod_labels = child["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= pod_labels.items()


@pytest.mark.parametrize("spec", [FULL_SPEC, {}], ids=["full", "minimal"])
def test_render_children_hardens_every_pod(spec: dict[str, Any]) -> None:
    for owner, pod in pod_specs(render(spec)):
        assert pod["securityContext"]["runAsNonRoot"] is True, owner
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is (owner == "alpha-telegram")
        assert {"name": "tmp", "emptyDir": {}} in pod["volumes"]
        for container in pod["containers"] + pod.get("initContainers", []):
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True, (owner, container["name"])
            assert ctx["allowPrivilegeEscalation"] is False
            assert ctx["capabilities"] == {"drop": ["ALL"]}
            assert ctx["runAsUser"] == 10001
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
            assert container["resources"]["requests"].keys() == {"cpu", "memory"}
            assert container["resources"]["limits"].keys() == {"cpu", "memory"}


def test_render_children_service_accounts_mount_no_token(full_children: list[Manifest]) -> None:
    accounts = [c for c in full_children if c["kind"] == "ServiceAccount"]
    assert len(accounts) == 4
    assert all(sa["automountServiceAccountToken"] is False for sa in accounts)
    names = {sa["metadata"]["name"] for sa in accounts}
    assert {pod["serviceAccountName"] for _, pod in pod_specs(full_children)} == names


def test_render_telegram_access_grants_its_own_bot_only(full_children: list[Manifest]) -> None:
    children = by_kind_name(full_children)
    role = children[("Role", "alpha-telegram")]
    assert role["rules"] == [
        {
            "apiGroups": ["crpbot.io"],
            "resources": ["tradingbots"],
            "resourceNames": ["alpha"],
            "verbs": ["get", "patch"],
        }
    ]
    binding = children[("RoleBinding", "alpha-telegram")]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "alpha-telegram",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "alpha-telegram", "namespace": "bots"}
    ]
    pod = children[("Deployment", "alpha-telegram")]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "alpha-telegram"


def test_render_model_server(full_children: list[Manifest]) -> None:
    children = by_kind_name(full_children)
    deployment = children[("Deployment", "alpha-model-server")]
    assert deployment["spec"]["replicas"] == 2
    container = container_of(deployment)
    assert container["image"] == "example.org/ts:1"
    assert container["readinessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}
    assert container["ports"] == [
        {"name": "http", "containerPort": 8080},
        {"name": "metrics", "containerPort": 8082},
    ]
    assert container["resources"]["requests"] == {"cpu": "1", "memory": "2Gi"}
    assert container["resources"]["limits"]["memory"] == "3Gi"
    fetch = deployment["spec"]["template"]["spec"]["initContainers"][0]
    assert "s3://models/crpbot" in fetch["command"]
    assert fetch["args"] == ["lstm", "v3", "transformer", "v2"]
    service = children[("Service", "alpha-model-server")]["spec"]
    assert service["ports"][0]["port"] == 8080
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"]


def _env(child: Manifest, cronjob: bool = False) -> dict[str, Manifest]:
    return {e["name"]: e for e in container_of(child, cronjob).get("env", [])}


def test_render_model_server_key_reaches_only_the_server_and_the_scanner(
    full_children: list[Manifest],
) -> None:
    """The key the handler requires comes from the bot's generated Secret, never inline."""
    children = by_kind_name(full_children)
    ref = {"secretKeyRef": {"name": "alpha-model-server-key", "key": "key"}}
    server = _env(children[("Deployment", "alpha-model-server")])
    scanner = _env(children[("CronJob", "alpha-scanner")], cronjob=True)
    assert server["CRPBOT_TORCHSERVE_KEY"] == {"name": "CRPBOT_TORCHSERVE_KEY", "valueFrom": ref}
    assert scanner["CRPBOT_TORCHSERVE_KEY"] == {"name": "CRPBOT_TORCHSERVE_KEY", "valueFrom": ref}
    others = [("Deployment", "alpha-risk-guard"), ("Deployment", "alpha-telegram")]
    for key in others:
        assert "CRPBOT_TORCHSERVE_KEY" not in _env(children[key]), key


def test_render_torchserve_properties_bind_management_to_loopback(
    full_children: list[Manifest],
) -> None:
    data = by_kind_name(full_children)[("ConfigMap", "alpha-config")]["data"]
    properties = dict(
        line.split("=", 1) for line in data["torchserve.properties"].splitlines() if line
    )
    assert properties["management_address"] == "http://127.0.0.1:8081"
    assert properties["inference_address"] == "http://0.0.0.0:8080"


def test_render_torchserve_properties_match_the_model_servers_committed_settings(
    full_children: list[Manifest],
) -> None:
    """The pod runs `--ts-config` on the rendered file alone: every setting of
    model-server/config.properties (metrics mode, JVM heap, queue, threads) must be in it,
    with the pod's own model store."""
    data = by_kind_name(full_children)[("ConfigMap", "alpha-config")]["data"]
    rendered = _properties(data["torchserve.properties"])
    committed = _properties((REPO / "model-server" / "config.properties").read_text())
    assert rendered == {**committed, "model_store": "/models"}


def _properties(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_render_model_server_without_storage_has_no_fetch(
    minimal_children: list[Manifest],
) -> None:
    deployment = by_kind_name(minimal_children)[("Deployment", "alpha-model-server")]
    assert "initContainers" not in deployment["spec"]["template"]["spec"]


def test_render_risk_guard(full_children: list[Manifest]) -> None:
    children = by_kind_name(full_children)
    deployment = children[("Deployment", "alpha-risk-guard")]
    container = container_of(deployment)
    assert container["command"][:3] == ["crpbot", "risk-guard", "serve"]
    assert container["command"][3:] == [
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--database-url",
        "$(CRPBOT_DATABASE_URL)",
    ]
    env = {e["name"]: e for e in container["env"]}
    assert env["CRPBOT_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "db", "key": "url"}
    assert env["CRPBOT_RISK_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "alpha-risk-token"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert deployment["spec"]["replicas"] == 2
    budget = children[("PodDisruptionBudget", "alpha-risk-guard")]["spec"]
    assert budget["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert children[("Service", "alpha-risk-guard")]["spec"]["ports"][0]["port"] == 8000


def test_render_risk_guard_without_database_is_single_sqlite_replica() -> None:
    """A bot stored before the CRD required a database keeps its old rendering."""
    deployment = by_kind_name(render({"symbols": ["BTC-USD"]}))[("Deployment", "alpha-risk-guard")]
    env = {e["name"]: e for e in container_of(deployment)["env"]}
    assert env["CRPBOT_DATABASE_URL"]["value"].startswith("sqlite:////tmp/")
    assert deployment["spec"]["replicas"] == 1


def test_render_telegram(full_children: list[Manifest]) -> None:
    deployment = by_kind_name(full_children)[("Deployment", "alpha-telegram")]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    container = container_of(deployment)
    assert container["command"][:3] == ["crpbot", "telegram", "serve"]
    env = {e["name"]: e for e in container["env"]}
    assert env["CRPBOT_TELEGRAM_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "tg",
        "key": "token",
    }


def test_render_telegram_without_token_runs_no_pod(minimal_children: list[Manifest]) -> None:
    deployment = by_kind_name(minimal_children)[("Deployment", "alpha-telegram")]
    assert deployment["spec"]["replicas"] == 0
    env = {e["name"] for e in container_of(deployment)["env"]}
    assert "CRPBOT_TELEGRAM_TOKEN" not in env


def test_render_network_policy_admits_own_pods_to_the_services(
    full_children: list[Manifest],
) -> None:
    policy = by_kind_name(full_children)[("NetworkPolicy", "alpha-network")]["spec"]
    target = policy["podSelector"]
    assert target["matchLabels"]["app.kubernetes.io/instance"] == "alpha"
    assert set(target["matchExpressions"][0]["values"]) == {
        "risk-guard",
        "model-server",
        "telegram",
    }
    assert policy["policyTypes"] == ["Ingress"]
    rule, _monitoring = policy["ingress"]
    assert rule["from"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "crpbot",
                    "app.kubernetes.io/instance": "alpha",
                }
            }
        }
    ]
    assert {p["port"] for p in rule["ports"]} == {8000, 8080}


def test_render_config_map_is_valid_worker_settings(full_children: list[Manifest]) -> None:
    data = by_kind_name(full_children)[("ConfigMap", "alpha-config")]["data"]
    settings = Settings(**yaml.safe_load(data["config.yaml"]))
    assert settings.bot_name == "alpha"
    assert settings.symbols == ["BTC-USD", "ETH-USD"]
    assert settings.granularity == "FIVE_MINUTE"
    assert settings.mode == "paper"
    assert settings.risk.signals_per_hour == 6
    assert settings.risk.daily_loss_pct == 4
    assert settings.risk.guard_url == "http://alpha-risk-guard.bots.svc:8000"
    assert settings.torchserve_url == "http://alpha-model-server.bots.svc:8080"
    assert settings.telegram.allowed_chats == [42, -100]
    assert settings.telegram.admin_users == [7001]
    assert "inference_address=http://0.0.0.0:8080" in data["torchserve.properties"]


def test_render_config_never_holds_secrets(full_children: list[Manifest]) -> None:
    config = yaml.safe_load(
        by_kind_name(full_children)[("ConfigMap", "alpha-config")]["data"]["config.yaml"]
    )
    assert not {"database_url", "risk_token", "telegram_token"} & config.keys()


def test_render_spec_change_rolls_pods_through_config_hash() -> None:
    def hashes(spec: dict[str, Any]) -> set[str]:
        return {
            d["spec"]["template"]["metadata"]["annotations"]["crpbot.io/config-hash"]
            for d in render(spec)
            if d["kind"] == "Deployment"
        }

    before, after = hashes(FULL_SPEC), hashes(spec_with(symbols=["SOL-USD"]))
    assert len(before) == 1
    assert before != after


def test_render_image_overrides_win(full_children: list[Manifest]) -> None:
    children = by_kind_name(
        render(spec_with(images={"workers": "mirror/w:2", "modelServer": "mirror/ts:2"}))
    )
    assert container_of(children[("Deployment", "alpha-risk-guard")])["image"] == "mirror/w:2"
    assert container_of(children[("Deployment", "alpha-model-server")])["image"] == "mirror/ts:2"
    assert container_of(children[("CronJob", "alpha-scanner")], cronjob=True)["image"] == (
        "mirror/w:2"
    )


def _worker_envs(children: list[Manifest]) -> dict[str, dict[str, str]]:
    """Plain env values of every long-lived `crpbot` worker container, by owning object.

    The scanner exports its own way (test_render_telemetry.py)."""
    workers = {"alpha-risk-guard", "alpha-telegram"}
    return {
        owner: {e["name"]: e.get("value", "") for e in pod["containers"][0]["env"]}
        for owner, pod in pod_specs(children)
        if owner in workers
    }


def test_render_telemetry_defaults_to_prometheus_for_long_lived_workers(
    full_children: list[Manifest],
) -> None:
    envs = _worker_envs(full_children)
    assert len(envs) == 2
    for owner, env in envs.items():
        assert env["CRPBOT_TELEMETRY__EXPORTER"] == "prometheus", owner
        assert "CRPBOT_TELEMETRY__OTLP_ENDPOINT" not in env


@pytest.mark.parametrize(
    ("operator", "spec", "expected"),
    [
        (Telemetry("otlp", "http://otel:4318"), {}, ("otlp", "http://otel:4318")),
        (Telemetry("otlp", "http://otel:4318"), {"exporter": "none"}, ("none", "http://otel:4318")),
        (
            Telemetry(),
            {"exporter": "otlp", "otlpEndpoint": "http://c:4318"},
            ("otlp", "http://c:4318"),
        ),
        (
            Telemetry("otlp", "http://a:4318"),
            {"otlpEndpoint": "http://b:4318"},
            ("otlp", "http://b:4318"),
        ),
    ],
    ids=["operator-default", "bot-exporter-wins", "bot-only", "bot-endpoint-wins"],
)
def test_render_telemetry_bot_fields_override_operator_defaults(
    operator: Telemetry, spec: dict[str, str], expected: tuple[str, str]
) -> None:
    children = render_children(
        "alpha", "bots", parse_spec(spec_with(telemetry=spec)), IMAGES, operator
    )
    for owner, env in _worker_envs(children).items():
        got = (env["CRPBOT_TELEMETRY__EXPORTER"], env["CRPBOT_TELEMETRY__OTLP_ENDPOINT"])
        assert got == expected, owner
        parsed = Settings(telemetry={"exporter": got[0], "otlp_endpoint": got[1]}).telemetry
        assert (parsed.exporter, parsed.otlp_endpoint) == expected, "the workers read it back"
