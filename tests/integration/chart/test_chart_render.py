"""`helm template` output: valid Kubernetes objects, hardened pods, labels, values wiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.fixtures.chart import (
    CHART,
    NAMESPACE,
    RELEASE,
    Manifest,
    assert_schema_refuses,
    by_kind,
    helm_template,
    only,
    pod_spec,
    render,
)

K8S_VERSION = "1.36.0"
CRD_KINDS = {"TradingBot", "ClusterKopfPeering", "KopfPeering", "PrometheusRule", "PodMonitor"}
COMMON_LABELS = (
    "helm.sh/chart",
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/component",
)


def _tradingbot_schema() -> dict[str, Any]:
    crd = yaml.safe_load((CHART / "crds" / "tradingbots.crpbot.io.yaml").read_text())
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _containers(obj: Manifest) -> list[Manifest]:
    spec = pod_spec(obj)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_chart_renders_every_ci_values_file(rendered: dict[str, list[Manifest]]) -> None:
    assert set(rendered) >= {"default", "minimal", "ha", "external-db"}
    for objects in rendered.values():
        assert by_kind(objects, "Deployment"), "the operator Deployment is always rendered"


def test_chart_objects_pass_kubernetes_schemas(rendered: dict[str, list[Manifest]]) -> None:
    for name, objects in rendered.items():
        for obj in objects:
            where = f"{name}: {obj['kind']}/{obj['metadata']['name']}"
            if obj["kind"] == "TradingBot":
                # The CRD's structural schema is OpenAPI v3, i.e. JSON Schema draft 4 keywords.
                spec_schema = _tradingbot_schema()["properties"]["spec"]
                jsonschema.Draft4Validator(spec_schema).validate(obj["spec"])
            elif obj["kind"] not in CRD_KINDS:
                try:
                    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
                except kubernetes_validate.ValidationError as error:
                    pytest.fail(f"{where}: {error.message}")


def test_chart_containers_are_hardened_and_bounded(rendered: dict[str, list[Manifest]]) -> None:
    for name, objects in rendered.items():
        for obj in objects:
            spec = pod_spec(obj)
            if spec is None:
                continue
            assert spec["securityContext"]["runAsNonRoot"] is True
            assert spec["securityContext"]["runAsUser"] != 0
            for container in _containers(obj):
                where = f"{name}: {obj['kind']}/{obj['metadata']['name']}/{container['name']}"
                security = container["securityContext"]
                assert security["readOnlyRootFilesystem"] is True, where
                assert security["allowPrivilegeEscalation"] is False, where
                assert security["capabilities"]["drop"] == ["ALL"], where
                limits = container["resources"]["limits"]
                requests = container["resources"]["requests"]
                assert {"cpu", "memory"} <= set(limits) & set(requests), where


def test_chart_objects_carry_common_labels(rendered: dict[str, list[Manifest]]) -> None:
    for objects in rendered.values():
        for obj in objects:
            labels = obj["metadata"]["labels"]
            for key in COMMON_LABELS:
                assert key in labels, f"{obj['kind']}/{obj['metadata']['name']} lacks {key}"
            assert labels["app.kubernetes.io/instance"] == RELEASE


def test_chart_selectors_match_pod_labels(rendered: dict[str, list[Manifest]]) -> None:
    for objects in rendered.values():
        for obj in by_kind(objects, "Deployment") + by_kind(objects, "StatefulSet"):
            selector = obj["spec"]["selector"]["matchLabels"]
            pod_labels = obj["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= pod_labels.items()
            assert "helm.sh/chart" not in selector, "selectors must survive chart upgrades"


def test_operator_deployment_runs_kopf_with_liveness_and_peering(
    rendered: dict[str, list[Manifest]],
) -> None:
    deployment = only(rendered["default"], "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    command = " ".join(container["args"])
    assert "python -m crpbot_operator" in command
    assert "--liveness=http://0.0.0.0:8080/healthz" in command
    assert "--peering=crpbot-operator" in command
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["ports"][0]["containerPort"] == 8080
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CRPBOT_PEERING_NAME"] == "crpbot-operator"
    assert env["CRPBOT_IMAGE_WORKERS"] == "ghcr.io/crpbot/workers:0.1.0"
    assert env["CRPBOT_IMAGE_MODEL_SERVER"] == "ghcr.io/crpbot/model-server:0.1.0"
    peering = only(rendered["default"], "ClusterKopfPeering")
    assert peering["metadata"]["name"] == "crpbot-operator"


def test_operator_minimal_runs_standalone_without_extras(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["minimal"]
    command = " ".join(
        only(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    )
    assert "--standalone" in command and "--peering" not in command
    kinds = {o["kind"] for o in objects}
    assert kinds == {
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    }


def test_operator_ha_has_replicas_budget_and_distinct_priorities(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["ha"]
    deployment = only(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert only(objects, "PodDisruptionBudget")["spec"]["minAvailable"] == 1
    command = " ".join(deployment["spec"]["template"]["spec"]["containers"][0]["args"])
    assert '--priority="$(python -c' in command and 'os.environ["POD_NAME"]' in command
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["CRPBOT_TELEMETRY__EXPORTER"]["value"] == "otlp"
    assert env["CRPBOT_TELEMETRY__OTLP_ENDPOINT"]["value"].endswith(":4318")
    rule = only(objects, "PrometheusRule")
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_operator_replicas_without_peering_are_refused(helm: Path) -> None:
    result = helm_template(
        helm, sets=["operator.replicas=2", "operator.peering.enabled=false"], check=False
    )
    assert result.returncode != 0
    assert "needs operator.peering.enabled" in result.stderr


def test_operator_namespaced_watch_uses_namespaced_peering(helm: Path) -> None:
    objects = render(helm, sets=["operator.watchNamespace=bots"])
    peering = only(objects, "KopfPeering")
    assert peering["metadata"]["namespace"] == "bots"
    args = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--namespace=bots" in " ".join(args)


def test_operator_namespaced_watch_gets_a_role_there_and_nothing_cluster_wide(
    helm: Path,
) -> None:
    objects = render(helm, sets=["operator.watchNamespace=bots"])
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding", "ClusterKopfPeering"}
    # The `helm test` hook brings its own Role in the release namespace; the operator's is
    # the one outside the hooks.
    installed = [
        o for o in objects if "helm.sh/hook" not in (o["metadata"].get("annotations") or {})
    ]
    role, binding = only(installed, "Role"), only(installed, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "bots"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert {"deployments", "roles", "rolebindings", "tradingbots/finalizers"} <= resources
    assert not resources & {"customresourcedefinitions", "clusterkopfpeerings"}
    container = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CRPBOT_WATCH_NAMESPACE"] == "bots"


def test_telegram_pause_policy_ships_with_the_rbac(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["default"]
    policy = only(objects, "ValidatingAdmissionPolicy")
    binding = only(objects, "ValidatingAdmissionPolicyBinding")
    assert binding["spec"] == {
        "policyName": policy["metadata"]["name"],
        "validationActions": ["Deny"],
    }
    assert policy["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"


def test_external_db_sample_bot_reads_url_from_named_secret(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["external-db"]
    bot = only(objects, "TradingBot")
    assert bot["metadata"]["namespace"] == NAMESPACE
    assert bot["spec"]["database"] == {"secretRef": {"name": "trading-db", "key": "database-url"}}
    assert bot["spec"]["symbols"] == ["BTC-USD", "ETH-USD"]
    assert not by_kind(objects, "StatefulSet"), "no database is deployed for an external one"
    assert not by_kind(objects, "Secret"), "the chart never writes the external secret"


def test_dev_postgresql_is_wired_to_the_sample_bot(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["dev-postgresql"]
    statefulset = only(objects, "StatefulSet")
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].startswith("docker.io/library/postgres:")
    secrets = {s["metadata"]["name"]: s for s in by_kind(objects, "Secret")}
    url_secret = secrets["crpbot-database"]["stringData"]["url"]
    password = secrets["crpbot-postgresql"]["stringData"]["password"]
    assert len(password) == 24
    assert url_secret == (
        f"postgresql+psycopg://crpbot:{password}@crpbot-postgresql.{NAMESPACE}.svc:5432/crpbot"
    )
    bot = only(objects, "TradingBot")
    assert bot["spec"]["database"]["secretRef"] == {"name": "crpbot-database", "key": "url"}
    service = only(objects, "Service")
    assert service["spec"]["selector"].items() <= (
        statefulset["spec"]["template"]["metadata"]["labels"].items()
    )


def test_dashboards_are_configmaps_for_the_grafana_sidecar(
    rendered: dict[str, list[Manifest]],
) -> None:
    maps = {
        m["metadata"]["name"]: m
        for m in by_kind(rendered["default"], "ConfigMap")
        if "dashboard" in m["metadata"]["name"]
    }
    assert set(maps) == {"crpbot-dashboard-trading", "crpbot-dashboard-system"}
    for name, config_map in maps.items():
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        (key,) = config_map["data"]
        short = name.removeprefix("crpbot-dashboard-")
        source = (CHART / "files/dashboards" / f"{short}.json").read_text()
        assert json.loads(config_map["data"][key]) == json.loads(source)


@pytest.mark.parametrize(
    ("sets", "namespace"),
    [((), NAMESPACE), (("monitoring.dashboards.namespace=monitoring",), "monitoring")],
    ids=["release-namespace", "sidecar-namespace"],
)
def test_dashboards_go_to_the_namespace_the_grafana_sidecar_watches(
    helm: Path, sets: tuple[str, ...], namespace: str
) -> None:
    maps = [
        m
        for m in by_kind(render(helm, sets=sets), "ConfigMap")
        if "dashboard" in m["metadata"]["name"]
    ]
    assert len(maps) == 2
    assert {m["metadata"]["namespace"] for m in maps} == {namespace}


def test_otel_collector_config_takes_otlp_and_serves_prometheus(
    rendered: dict[str, list[Manifest]],
) -> None:
    config_map = next(
        m
        for m in by_kind(rendered["default"], "ConfigMap")
        if m["metadata"]["name"].endswith("otel-collector")
    )
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    pipeline = config["service"]["pipelines"]["metrics"]
    assert pipeline["receivers"] == ["otlp"]
    assert pipeline["exporters"] == ["prometheus"]
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert config["exporters"]["prometheus"]["endpoint"] == "0.0.0.0:8889"


def test_helm_test_hook_checks_the_operator_with_its_own_account(
    rendered: dict[str, list[Manifest]],
) -> None:
    hooks = [
        o
        for o in rendered["default"]
        if (o["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test"
    ]
    assert {o["kind"] for o in hooks} == {"ServiceAccount", "Role", "RoleBinding", "Pod"}
    pod = only(hooks, "Pod")
    role = only(hooks, "Role")
    assert pod["spec"]["serviceAccountName"] == "crpbot-test"
    assert role["rules"] == [
        {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "resourceNames": ["crpbot-operator"],
            "verbs": ["get"],
        }
    ]
    script = pod["spec"]["containers"][0]["args"][0]
    assert "read_namespaced_deployment" in script and '"crpbot-operator"' in script
    compile(script, "helm-test", "exec")


@pytest.mark.parametrize(
    "bad",
    [
        "operator.bogus=1",
        "operator.replicas=0",
        "sampleBot.mode=live",
        "opentelemetry.workers.exporter=otlp",
        "operator.resources.limits=null",
    ],
)
def test_values_schema_rejects_bad_values(helm: Path, bad: str) -> None:
    assert_schema_refuses(helm, bad)
