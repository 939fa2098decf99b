"""The operator against a real API server: the user's flow with the real kubectl.

The control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok with a
fake node) comes from the `tests/k8s` fixtures; the operator runs in-process through Kopf's
`KopfRunner`. Assertions read the real API.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from crpbot_operator.apply import FIELD_MANAGER
from crpbot_operator.drift import drifted
from crpbot_operator.images import images_from_env
from crpbot_operator.lag import KOPF_MANAGER
from crpbot_operator.metrics import REGISTRY
from tests.k8s.control_plane import Kubectl
from tests.k8s.operator_support import (
    REPO,
    Cluster,
    apply_bot,
    apply_bot_with_children,
    bot_events,
    wait_for,
)

pytestmark = [
    pytest.mark.k8s,
    pytest.mark.skipif(
        not os.environ.get("KUBEBUILDER_ASSETS"),
        reason="needs control-plane binaries: KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)",
    ),
]
SAMPLES = REPO / "manifests" / "samples"
IMAGES = images_from_env({})


@pytest.fixture
def namespace(bot_namespace: str) -> str:
    return bot_namespace


def _sample() -> Path:
    samples = sorted(SAMPLES.glob("*.yaml"))
    if not samples:
        pytest.skip(f"no TradingBot sample under {SAMPLES}")
    return next((s for s in samples if "minimal" in s.name), samples[0])


def test_operator_sample_brings_every_child_with_owner_references(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    sample = _sample()
    name = yaml.safe_load(sample.read_text())["metadata"]["name"]
    kubectl("apply", "-n", namespace, "-f", str(sample))
    children = cluster.wait_for_children(namespace, name)
    bot = cluster.get_bot(namespace, name)
    for key, child in children.items():
        refs = child["metadata"].get("ownerReferences") or []
        assert [(r["kind"], r["uid"], r.get("controller")) for r in refs] == [
            ("TradingBot", bot["metadata"]["uid"], True)
        ], key
    for wanted in cluster.rendering(namespace, name, IMAGES):
        actual = children[(wanted["kind"], wanted["metadata"]["name"])]
        assert not drifted(actual, wanted), f"{wanted['kind']} differs from its rendering"
    token = cluster.core.read_namespaced_secret(f"{name}-risk-token", namespace)
    assert token.data and token.data["token"]
    key = cluster.core.read_namespaced_secret(f"{name}-model-server-key", namespace)
    assert key.data and len(key.data["key"]) >= 40  # base64 of 32 random bytes, URL-safe
    assert key.metadata.owner_references[0].uid == bot["metadata"]["uid"]
    observed = wait_for(
        lambda: (cluster.get_bot(namespace, name).get("status") or {}).get("observedGeneration"),
        15,
        "observedGeneration",
    )
    assert observed == bot["metadata"]["generation"]


def test_operator_conditions_turn_ready_when_pods_run(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    apply_bot(kubectl, namespace, "ready")
    wait_for(lambda: cluster.is_ready(namespace, "ready"), 90, "Ready=True")
    for kind in ("ModelServerReady", "RiskGuardReady", "ScannerScheduled"):
        cond = cluster.condition(namespace, "ready", kind)
        assert cond is not None and cond["status"] == "True", cond
    events = bot_events(kubectl, namespace, "involvedObject.name=ready")
    assert events, "the operator posted no Event on the TradingBot"


def test_operator_spec_edit_updates_children(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    apply_bot_with_children(kubectl, cluster, namespace, "edit")
    kubectl(
        "patch",
        "tradingbot",
        "edit",
        "-n",
        namespace,
        "--type",
        "merge",
        "-p",
        '{"spec": {"symbols": ["ETH-USD", "SOL-USD"], "modelServer": {"replicas": 2},'
        ' "schedule": "*/5 * * * *"}}',
    )

    def updated() -> bool:
        kids = cluster.children(namespace, "edit")
        config = kids[("ConfigMap", "edit-config")]["data"]["config.yaml"]
        return (
            "SOL-USD" in config
            and kids[("Deployment", "edit-model-server")]["spec"]["replicas"] == 2
            and kids[("CronJob", "edit-scanner")]["spec"]["schedule"] == "*/5 * * * *"
        )

    wait_for(updated, 30, "children to follow the spec edit")


def _lag_sample(suffix: str) -> float:
    return REGISTRY.get_sample_value(f"crpbot_operator_reconcile_lag_seconds_{suffix}") or 0.0


def test_operator_records_the_reconcile_lag_of_a_create_and_an_edit(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """Each answered change adds one lag observation, at most the test's own duration (plus
    the second the API server's timestamps round away). The bot's managers are the user's
    tools and the operator's own, named as `crpbot_operator.lag` expects."""
    count, total = _lag_sample("count"), _lag_sample("sum")
    started = time.monotonic()

    def observed(generation: int) -> bool:
        status = cluster.get_bot(namespace, "lag").get("status") or {}
        return status.get("observedGeneration") == generation

    apply_bot(kubectl, namespace, "lag")
    wait_for(lambda: observed(1), 30, "the create reconciled")
    cluster.patch_bot(namespace, "lag", {"schedule": "*/9 * * * *"})
    wait_for(lambda: observed(2), 30, "the edit reconciled")
    elapsed = time.monotonic() - started

    observations = _lag_sample("count") - count
    assert observations >= 2
    assert 0 <= _lag_sample("sum") - total <= observations * (elapsed + 1)
    managed = cluster.get_bot(namespace, "lag")["metadata"]["managedFields"]
    managers = {e["manager"] for e in managed if not e.get("subresource")}
    assert KOPF_MANAGER in managers
    assert managers - {KOPF_MANAGER, FIELD_MANAGER} == {
        "kubectl-client-side-apply",
        "OpenAPI-Generator",
    }


def test_operator_restores_deleted_and_edited_children(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    children = apply_bot_with_children(kubectl, cluster, namespace, "drift")
    old_uid = children[("Deployment", "drift-risk-guard")]["metadata"]["uid"]
    kubectl("delete", "deployment", "drift-risk-guard", "-n", namespace)

    def recreated() -> bool:
        kids = cluster.children(namespace, "drift")
        dep = kids.get(("Deployment", "drift-risk-guard"))
        return dep is not None and dep["metadata"]["uid"] != old_uid

    wait_for(recreated, 5, "the deleted Deployment to come back")
    kubectl("delete", "service", "drift-model-server", "-n", namespace)
    wait_for(
        lambda: ("Service", "drift-model-server") in cluster.children(namespace, "drift"),
        5,
        "the deleted Service to come back",
    )
    kubectl(
        "patch",
        "cronjob",
        "drift-scanner",
        "-n",
        namespace,
        "--type",
        "merge",
        "-p",
        '{"spec": {"concurrencyPolicy": "Allow", "schedule": "0 0 1 1 *"}}',
    )

    def restored() -> bool:
        spec = cluster.children(namespace, "drift")[("CronJob", "drift-scanner")]["spec"]
        return bool(spec["concurrencyPolicy"] == "Forbid" and spec["schedule"] == "*/2 * * * *")

    wait_for(restored, 5, "the hand-edited CronJob to be restored")


def test_operator_suspend_suspends_the_cronjob(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    apply_bot_with_children(kubectl, cluster, namespace, "pause")
    apply_bot(kubectl, namespace, "pause", suspend=True)
    wait_for(
        lambda: cluster.children(namespace, "pause")[("CronJob", "pause-scanner")]["spec"][
            "suspend"
        ],
        15,
        "CronJob suspended",
    )

    def reported() -> bool:
        cond = cluster.condition(namespace, "pause", "ScannerScheduled")
        return cond is not None and cond["reason"] == "Suspended" and cond["status"] == "False"

    wait_for(reported, 15, "ScannerScheduled=False/Suspended")


def test_operator_bot_deletion_garbage_collects_children(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    apply_bot_with_children(kubectl, cluster, namespace, "gone")
    kubectl("delete", "tradingbot", "gone", "-n", namespace, "--wait=true")
    wait_for(lambda: not cluster.children(namespace, "gone"), 60, "children to be collected")


@pytest.mark.slow
def test_operator_cronjob_creates_jobs_on_schedule(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    apply_bot_with_children(kubectl, cluster, namespace, "tick", schedule="* * * * *")
    batch = client.BatchV1Api(cluster.api)

    def jobs() -> list[Any]:
        items = batch.list_namespaced_job(namespace).items
        return [j for j in items if j.metadata.name.startswith("tick-scanner-")]

    (job, *_) = wait_for(jobs, 75, "a Job created by the scanner CronJob")
    assert job.spec.active_deadline_seconds < 60
    assert job.spec.template.spec.containers[0].command == ["crpbot", "scan", "--once"]
    wait_for(
        lambda: (cluster.get_bot(namespace, "tick").get("status") or {}).get("lastScheduleTime"),
        15,
        "status.lastScheduleTime",
    )


def test_operator_quantities_stored_canonically_are_not_drift(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """`cpu: 0.5` comes back as `500m` and `1024Mi` as `1Gi`; that is the API server's form,
    not a hand edit, so no DriftRepaired event follows the bot's creation."""
    resources = {"requests": {"cpu": "0.5", "memory": "1024Mi"}, "limits": {"cpu": "1.0"}}
    children = apply_bot_with_children(
        kubectl, cluster, namespace, "canon", modelServer={"replicas": 1, "resources": resources}
    )
    live = children[("Deployment", "canon-model-server")]
    stored = live["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert stored["requests"] == {"cpu": "500m", "memory": "1Gi"}
    wanted = next(
        c
        for c in cluster.rendering(namespace, "canon", IMAGES)
        if (c["kind"], c["metadata"]["name"]) == ("Deployment", "canon-model-server")
    )
    assert not drifted(live, wanted)
    wait_for(lambda: cluster.is_ready(namespace, "canon"), 90, "Ready=True")
    repairs = bot_events(kubectl, namespace, "reason=DriftRepaired")
    assert not repairs, [e["message"] for e in repairs]


def test_operator_publishes_skill_demonstrated_from_the_bots_evidence(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """No evidence: closed with NoEvidence; the annotation the Telegram bot writes is turned
    into the condition without waiting for any child to change."""
    apply_bot(kubectl, namespace, "skill")

    def skill() -> dict[str, Any] | None:
        return cluster.condition(namespace, "skill", "SkillDemonstrated")

    first = wait_for(skill, 30, "SkillDemonstrated")
    assert (first["status"], first["reason"]) == ("False", "NoEvidence")
    message = "high tier proven: n 120 (needs 100), expectancy +0.20 R after costs"
    tier = {"tier": "high", "open": True, "reason": "Demonstrated", "n": 120, "message": message}
    evidence = json.dumps({"tiers": [tier]})
    cluster.custom.patch_namespaced_custom_object(
        "crpbot.io", "v1alpha1", namespace, "tradingbots", "skill",
        {"metadata": {"annotations": {"crpbot.io/skill-gate": evidence}}},
    )  # fmt: skip
    opened = wait_for(
        lambda: (c := skill()) is not None and c["status"] == "True" and c, 30, "skill open"
    )
    assert opened["reason"] == "Demonstrated" and opened["message"] == tier["message"]
