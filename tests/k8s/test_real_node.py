"""Pods that really run: the operator image on the test cluster's real node (kubelet +
containerd), through the API server as any user would reach them."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.k8s.control_plane import Kubectl
from tests.k8s.real_node import TAINT_KEY, RealNode

pytestmark = [pytest.mark.k8s, pytest.mark.realnode]

IMAGE = "crpbot/operator:dev"
FINISH_TIMEOUT_S = 120.0
LIMIT_BYTES = 64 * 1024 * 1024


def _pod(
    name: str, args: list[str], command: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """A run-once pod pinned to the real node, shaped like the operator's (non-root, read-only)."""
    container: dict[str, Any] = {
        "name": "main",
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    if command:
        container["command"] = command
    container.update(extra)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "restartPolicy": "Never",
            "nodeSelector": {TAINT_KEY: "true"},
            "tolerations": [{"key": TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
            "automountServiceAccountToken": False,
            "containers": [container],
        },
    }


def _finished(kubectl: Kubectl, node: RealNode, namespace: str, name: str) -> dict[str, Any]:
    """The pod once it Succeeded or Failed; a timeout shows its events and the kubelet's log."""
    deadline = time.monotonic() + FINISH_TIMEOUT_S
    while time.monotonic() < deadline:
        pod: dict[str, Any] = json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json"))
        if pod["status"].get("phase") in ("Succeeded", "Failed"):
            return pod
        time.sleep(1)
    events = kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp")
    raise AssertionError(
        f"pod {name} not finished in {FINISH_TIMEOUT_S}s: {pod['status']}\n"
        f"{events}\n--- kubelet ---\n{node.log_tail()}"
    )


def _exit_code(pod: dict[str, Any]) -> int:
    return int(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])


def test_real_node_runs_the_operator_image_to_completion(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(_pod("help", ["--help"])))

    pod = _finished(kubectl, real_node, namespace, "help")

    assert (pod["spec"]["nodeName"], pod["status"]["phase"]) == (real_node.name, "Succeeded")
    assert _exit_code(pod) == 0
    assert pod["status"]["podIP"].startswith("10.88.0.")
    # Logs travel API server -> kubelet -> containerd: the node's serving side works too.
    assert "Start an operator process" in kubectl("logs", "-n", namespace, "help")


def test_real_node_enforces_the_pod_memory_limit_in_its_cgroup(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    read_limit = "print(open('/sys/fs/cgroup/memory/memory.limit_in_bytes').read().strip())"
    pod_json = _pod("limit", ["-c", read_limit], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(pod_json))

    pod = _finished(kubectl, real_node, namespace, "limit")

    assert _exit_code(pod) == 0, kubectl("logs", "-n", namespace, "limit")
    assert kubectl("logs", "-n", namespace, "limit").strip() == str(LIMIT_BYTES)


# Retries while kube-proxy writes the Service's rules (a few seconds after its endpoints).
FETCH = """
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as answer:
            print(answer.status, answer.read().decode())
            break
    except OSError as exc:
        if time.monotonic() > deadline:
            raise
        print("retry:", exc, file=sys.stderr)
        time.sleep(1)
"""


def test_real_node_routes_a_service_cluster_ip_to_its_pod(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    serve = ["-m", "http.server", "8080", "--directory", "/opt/venv"]
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}
    server = _pod("web", serve, command=["python"], readinessProbe=probe)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(server))
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(service))
    kubectl("wait", "-n", namespace, "--for=condition=Ready", "pod/web", "--timeout=120s")
    cluster_ip = kubectl(
        "get", "service", "web", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}"
    )

    client = _pod("fetch", ["-c", FETCH, f"http://{cluster_ip}/"], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(client))
    pod = _finished(kubectl, real_node, namespace, "fetch")

    logs = kubectl("logs", "-n", namespace, "fetch")
    assert _exit_code(pod) == 0, f"{logs}\n{real_node.log_tail()}"
    assert logs.startswith("200 ") and "pyvenv.cfg" in logs


def test_real_node_runs_kubectl_exec_in_a_running_container(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    idle = _pod("idle", ["-c", "import time; time.sleep(600)"], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(idle))
    kubectl("wait", "-n", namespace, "--for=condition=Ready", "pod/idle", "--timeout=120s")

    # API server -> kubelet -> containerd's CRI streaming server, as a user debugging a pod.
    whoami = kubectl(
        "exec", "-n", namespace, "idle", "--", "python", "-c", "import os; print(os.getuid())"
    )

    assert whoami.strip() == "10001"
