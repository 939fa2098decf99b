"""The operator's safety nets: children changed where it could not see are restored anyway.

A restarted operator re-applies every bot (`on.resume`); the periodic resync
(`handlers/resync.py`, interval from CRPBOT_RESYNC_SECONDS) catches what no watch event
reports. The operator runs as a subprocess here, so a test can stop and start it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.k8s.control_plane import Kubectl
from tests.k8s.operator_support import Cluster, OperatorProcess, apply_bot, wait_for

pytestmark = pytest.mark.k8s

MANAGED_BY = "app.kubernetes.io/managed-by"


@pytest.fixture
def operator(kubeconfig: Path, tmp_path: Path) -> Iterator[OperatorProcess]:
    process = OperatorProcess(kubeconfig, tmp_path)
    yield process
    process.stop()


def _bot_with_children(kubectl: Kubectl, cluster: Cluster, namespace: str) -> None:
    apply_bot(kubectl, namespace, "safe")
    cluster.wait_for_children(namespace, "safe", timeout_s=60)


def test_operator_restart_restores_a_child_deleted_while_it_was_down(
    kubectl: Kubectl, cluster: Cluster, namespace: str, operator: OperatorProcess
) -> None:
    operator.start({})
    _bot_with_children(kubectl, cluster, namespace)
    operator.stop()
    kubectl("delete", "configmap", "safe-config", "-n", namespace)
    operator.start({})
    wait_for(
        lambda: ("ConfigMap", "safe-config") in cluster.children(namespace, "safe"),
        30,
        "the ConfigMap deleted while the operator was down to come back",
    )


def test_operator_resync_restores_a_child_its_watch_no_longer_sees(
    kubectl: Kubectl, cluster: Cluster, namespace: str, operator: OperatorProcess
) -> None:
    """Without its managed-by label a child drops out of the operator's watch filter, so
    only the periodic resync can put the label back."""
    operator.start({"CRPBOT_RESYNC_SECONDS": "2"})
    _bot_with_children(kubectl, cluster, namespace)
    kubectl("label", "service", "safe-risk-guard", "-n", namespace, f"{MANAGED_BY}-")

    def relabelled() -> bool:
        service = cluster.core.read_namespaced_service("safe-risk-guard", namespace)
        return (service.metadata.labels or {}).get(MANAGED_BY) == "crpbot-operator"

    wait_for(relabelled, 20, "the resync to restore the Service's managed-by label")
