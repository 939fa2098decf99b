"""Pods for the real node (real_node.py): pinned to it, shaped like the operator's, and waited
for with the namespace's events and the node's logs in the failure message."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from tests.k8s.control_plane import Kubectl
from tests.k8s.real_node import TAINT_KEY, RealNode

IMAGE_TAG = os.environ.get("CRPBOT_IMAGE_TAG", "dev")
"""The tag of the images `make images` builds (hack/build-images.sh: CRPBOT_IMAGE_TAG)."""
IMAGE = f"crpbot/operator:{IMAGE_TAG}"
FINISH_TIMEOUT_S = 120.0


def node_pod(
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


def finished(kubectl: Kubectl, node: RealNode, namespace: str, name: str) -> dict[str, Any]:
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


def exit_code(pod: dict[str, Any]) -> int:
    return int(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])


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
