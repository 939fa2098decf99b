"""The test control plane behaves like a cluster: it answers, runs pods, collects garbage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.k8s.control_plane import NODE_NAME, Kubectl

pytestmark = pytest.mark.k8s


def _apply(kubectl: Kubectl, namespace: str, manifest: dict[str, Any]) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(manifest))


def test_control_plane_api_server_answers_with_its_pinned_version(kubectl: Kubectl) -> None:
    assert kubectl("get", "--raw", "/readyz") == "ok"
    version = json.loads(kubectl("version", "-o", "json"))
    assert version["serverVersion"]["gitVersion"] == "v1.37.2"


def test_control_plane_serves_the_repo_crds(kubectl: Kubectl) -> None:
    names = kubectl("get", "crd", "-o", "name").split()
    assert "customresourcedefinition.apiextensions.k8s.io/tradingbots.crpbot.io" in names


def test_control_plane_deployment_pod_runs_on_the_kwok_node(
    kubectl: Kubectl, namespace: str
) -> None:
    labels = {"app": "smoke"}
    _apply(
        kubectl,
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "smoke"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "app", "image": "example.invalid/app:1"}]},
                },
            },
        },
    )
    kubectl("wait", "-n", namespace, "--for=condition=Available", "--timeout=90s", "deploy/smoke")
    pods = json.loads(kubectl("get", "pods", "-n", namespace, "-l", "app=smoke", "-o", "json"))
    assert [(p["spec"]["nodeName"], p["status"]["phase"]) for p in pods["items"]] == [
        (NODE_NAME, "Running"),
        (NODE_NAME, "Running"),
    ]


def test_control_plane_garbage_collects_an_owned_configmap(
    kubectl: Kubectl, namespace: str
) -> None:
    _apply(
        kubectl, namespace, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}}
    )
    uid = kubectl("get", "configmap", "owner", "-n", namespace, "-o", "jsonpath={.metadata.uid}")
    owner_ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}
    child = {"name": "child", "ownerReferences": [owner_ref]}
    _apply(kubectl, namespace, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": child})
    kubectl("delete", "configmap", "owner", "-n", namespace)
    kubectl("wait", "-n", namespace, "--for=delete", "--timeout=60s", "configmap/child")
    assert "child" not in kubectl("get", "configmaps", "-n", namespace, "-o", "name")
