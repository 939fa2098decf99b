"""The operator's RBAC in a real API server: the service account may do exactly its job."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.k8s.control_plane import REPO, ControlPlane, Kubectl
from tests.k8s.operator_support import EXPECTED_CHILDREN, Cluster, api_client, wait_for

pytestmark = pytest.mark.k8s

OPERATOR = "system:serviceaccount:crpbot-system:crpbot-operator"


@pytest.fixture(scope="module")
def operator_rbac(kubectl: Kubectl) -> str:
    kubectl("apply", "-f", str(REPO / "manifests" / "rbac"))
    return OPERATOR


def _can(kubectl: Kubectl, user: str, verb: str, resource: str, namespace: str) -> bool:
    done = kubectl.plane.kubectl("auth", "can-i", verb, resource, "-n", namespace, "--as", user)
    assert done.stdout.strip() in {"yes", "no"}, done.stderr
    return done.stdout.strip() == "yes"


@pytest.mark.parametrize(
    ("verb", "resource"),
    [
        ("list", "tradingbots.crpbot.io"),
        ("watch", "tradingbots.crpbot.io"),
        ("patch", "tradingbots.crpbot.io"),
        ("patch", "tradingbots.crpbot.io/status"),
        ("create", "deployments.apps"),
        ("patch", "deployments.apps"),
        ("watch", "cronjobs.batch"),
        ("patch", "cronjobs.batch"),
        ("create", "configmaps"),
        ("patch", "services"),
        ("create", "serviceaccounts"),
        ("patch", "poddisruptionbudgets.policy"),
        ("patch", "networkpolicies.networking.k8s.io"),
        ("create", "secrets"),
        ("create", "events"),
        ("patch", "clusterkopfpeerings.kopf.dev"),
    ],
)
def test_rbac_operator_may(kubectl: Kubectl, operator_rbac: str, verb: str, resource: str) -> None:
    assert _can(kubectl, operator_rbac, verb, resource, "any-namespace")


@pytest.mark.parametrize(
    ("verb", "resource"),
    [
        ("get", "secrets"),
        ("list", "secrets"),
        ("delete", "deployments.apps"),
        ("delete", "tradingbots.crpbot.io"),
        ("update", "tradingbots.crpbot.io"),
        ("create", "pods"),
        ("create", "roles.rbac.authorization.k8s.io"),
        ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
        ("delete", "namespaces"),
    ],
)
def test_rbac_operator_may_not(
    kubectl: Kubectl, operator_rbac: str, verb: str, resource: str
) -> None:
    assert not _can(kubectl, operator_rbac, verb, resource, "any-namespace")


def test_rbac_peering_object_exists(kubectl: Kubectl, operator_rbac: str) -> None:
    assert kubectl("get", "clusterkopfpeering", "crpbot-operator", "-o", "name")


@pytest.fixture(scope="module")
def operator_kubeconfig(control_plane: ControlPlane, kubectl: Kubectl, operator_rbac: str) -> Path:
    """A kubeconfig holding a token of the operator's ServiceAccount, not an admin identity."""
    token = kubectl("create", "token", "crpbot-operator", "-n", "crpbot-system").strip()
    config = json.loads(control_plane.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = control_plane.workdir / "operator.kubeconfig"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def operator_log(
    operator_kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The operator as its Deployment runs it: its own identity, peering on."""
    monkeypatch.setenv("KUBECONFIG", str(operator_kubeconfig))
    log = tmp_path / "operator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "crpbot_operator", "--verbose"],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield log
    process.terminate()
    process.wait(timeout=30)


def test_rbac_operator_reconciles_a_bot_with_only_its_role(
    kubectl: Kubectl, kubeconfig: Path, namespace: str, operator_log: Path
) -> None:
    kubectl("apply", "-n", namespace, "-f", str(REPO / "manifests/samples/tradingbot-minimal.yaml"))
    cluster = Cluster(api_client(kubeconfig))

    def reconciled() -> bool:
        return len(cluster.children(namespace, "btc-observer")) == EXPECTED_CHILDREN

    wait_for(reconciled, 60, f"{EXPECTED_CHILDREN} children under the operator's own identity")
    wait_for(lambda: cluster.is_ready(namespace, "btc-observer"), 60, "the bot to turn Ready")
    log = operator_log.read_text()
    assert "Forbidden" not in log and " 403" not in log, log[-3000:]
    peering = json.loads(kubectl("get", "clusterkopfpeering", "crpbot-operator", "-o", "json"))
    assert peering.get("status"), "the operator did not announce itself in its peering object"
