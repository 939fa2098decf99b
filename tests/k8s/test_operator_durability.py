"""Issue 13.2 on a real API server: what a bot's status says about where its state lives.

The minimal sample is applied as a user would (`kubectl apply`), with the operator running
(Kopf's `KopfRunner`, in-process) and kwok's fake node running the pods; the status is read
back as `kubectl get` shows it. A bot stored before the CRD required `spec.database` (made
here by lifting that one CEL rule for a moment, as an older CRD would have stored it) must
never read Ready.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.k8s.control_plane import Kubectl
from tests.k8s.operator_support import REPO, Cluster, wait_for

pytestmark = [
    pytest.mark.k8s,
    pytest.mark.skipif(
        not os.environ.get("KUBEBUILDER_ASSETS"),
        reason="needs control-plane binaries: KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)",
    ),
]
MINIMAL = REPO / "manifests" / "samples" / "tradingbot-minimal.yaml"
CRD = "tradingbots.crpbot.io"
DATABASE_RULE = "has(self.database)"


@pytest.fixture
def namespace(bot_namespace: str) -> str:
    return bot_namespace


def _status(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    bot = json.loads(kubectl("get", "tb", name, "-n", namespace, "-o", "json"))
    return {c["type"]: c for c in (bot.get("status") or {}).get("conditions", [])}


def _pod_templates(kubectl: Kubectl, namespace: str, bot: str) -> dict[str, dict[str, Any]]:
    """Every Deployment's and the CronJob's pod spec, by object name."""
    selector = f"app.kubernetes.io/instance={bot}"
    found = json.loads(
        kubectl("get", "deployments,cronjobs", "-n", namespace, "-l", selector, "-o", "json")
    )
    templates = {}
    for item in found["items"]:
        spec = item["spec"]
        if item["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        templates[item["metadata"]["name"]] = spec["template"]["spec"]
    return templates


def test_minimal_sample_status_reads_ready_with_every_pod_on_the_database(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    name = yaml.safe_load(MINIMAL.read_text())["metadata"]["name"]
    kubectl(
        "create", "secret", "generic", "crpbot-database", "-n", namespace,
        "--from-literal=url=postgresql+psycopg://crpbot:pw@db.example:5432/crpbot",
    )  # fmt: skip
    kubectl("apply", "-n", namespace, "-f", str(MINIMAL))

    wait_for(lambda: cluster.is_ready(namespace, name), 90, "Ready=True")

    conditions = _status(kubectl, namespace, name)
    ready = conditions["Ready"]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "True",
        "AllChildrenReady",
        "every child is ready",
    )
    table = kubectl("get", "tb", name, "-n", namespace)
    assert table.splitlines()[0].split()[:4] == ["NAME", "MODE", "SYMBOLS", "READY"]
    assert table.splitlines()[1].split()[:4] == [name, "observe", '["BTC-USD"]', "True"]
    database = {"secretKeyRef": {"name": "crpbot-database", "key": "url"}}
    templates = _pod_templates(kubectl, namespace, name)
    assert set(templates) >= {f"{name}-scanner", f"{name}-risk-guard", f"{name}-model-server"}
    for child, pod in templates.items():
        for container in pod["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            if "CRPBOT_DATABASE_URL" in env:
                assert env["CRPBOT_DATABASE_URL"]["valueFrom"] == database, child
    scanner = templates[f"{name}-scanner"]
    volumes = scanner["volumes"]
    claims = [
        v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v
    ]
    assert claims == [f"{name}-scanner-data"]
    kubectl("get", "pvc", f"{name}-scanner-data", "-n", namespace)


@pytest.fixture
def crd_without_database_rule(kubectl: Kubectl) -> Iterator[None]:
    """The CRD as it was before it required spec.database; restored afterwards."""
    original = json.loads(kubectl("get", "crd", CRD, "-o", "json"))
    lifted = copy.deepcopy(original)
    for version in lifted["spec"]["versions"]:
        spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
        rules = spec.get("x-kubernetes-validations", [])
        spec["x-kubernetes-validations"] = [r for r in rules if r["rule"] != DATABASE_RULE]
    kubectl("replace", "-f", "-", stdin=json.dumps(lifted))
    try:
        yield
    finally:
        current = json.loads(kubectl("get", "crd", CRD, "-o", "json"))
        original["metadata"] = {
            "name": CRD,
            "resourceVersion": current["metadata"]["resourceVersion"],
        }
        original.pop("status", None)
        kubectl("replace", "-f", "-", stdin=json.dumps(original))


def test_bot_stored_without_a_database_never_reads_ready(
    kubectl: Kubectl, cluster: Cluster, namespace: str, crd_without_database_rule: None
) -> None:
    body = yaml.safe_load(MINIMAL.read_text())
    del body["spec"]["database"]
    body["metadata"]["name"] = "legacy"
    manifest = json.dumps(body)
    # The API server takes a moment to serve the relaxed schema.
    wait_for(
        lambda: (
            kubectl.plane.kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest).returncode
            == 0
        ),
        30,
        "the bot without database stored",
    )

    def no_database() -> dict[str, Any] | None:
        ready = _status(kubectl, namespace, "legacy").get("Ready")
        return ready if ready and ready["reason"] == "NoDatabase" else None

    ready = wait_for(no_database, 60, "Ready=False/NoDatabase")
    assert ready["status"] == "False"
    assert ready["message"].startswith("spec.database is not set: each pod keeps signals")
    # The children still run (nothing is torn down), but the bot never claims to be healthy.
    wait_for(
        lambda: cluster.condition(namespace, "legacy", "ModelServerReady") or None,
        60,
        "ModelServerReady reported",
    )
    assert _status(kubectl, namespace, "legacy")["Ready"]["status"] == "False"
    table = kubectl("get", "tb", "legacy", "-n", namespace)
    assert table.splitlines()[1].split()[3] == "False"
