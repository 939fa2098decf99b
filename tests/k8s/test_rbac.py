"""The operator's RBAC in a real API server: the service account may do exactly its job."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from crpbot_workers.telegram.k8s_pause import KubernetesPauseControl
from tests.k8s.control_plane import REPO, ControlPlane, Kubectl
from tests.k8s.operator_support import (
    EXPECTED_CHILDREN,
    Cluster,
    api_client,
    bot_manifest,
    wait_for,
)

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
        ("create", "roles.rbac.authorization.k8s.io"),
        ("patch", "rolebindings.rbac.authorization.k8s.io"),
        ("get", "tradingbots.crpbot.io"),
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
        ("escalate", "roles.rbac.authorization.k8s.io"),
        ("bind", "roles.rbac.authorization.k8s.io"),
        ("delete", "rolebindings.rbac.authorization.k8s.io"),
        ("create", "clusterroles.rbac.authorization.k8s.io"),
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


def _token_kubeconfig(
    control_plane: ControlPlane, kubectl: Kubectl, account: str, namespace: str
) -> Path:
    """A kubeconfig holding a token of `account`, not an admin identity."""
    token = kubectl("create", "token", account, "-n", namespace).strip()
    config = json.loads(control_plane.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = control_plane.workdir / f"{namespace}-{account}.kubeconfig"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture(scope="module")
def operator_kubeconfig(control_plane: ControlPlane, kubectl: Kubectl, operator_rbac: str) -> Path:
    return _token_kubeconfig(control_plane, kubectl, "crpbot-operator", "crpbot-system")


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


def _rbac_refusals(operator_log: Path) -> list[str]:
    """Log lines where RBAC refused the operator: the authorizer's `is forbidden: User "..."`
    and the escalation check's `is forbidden: user "..." is attempting to grant`.

    Other 403s are not about RBAC: a namespace left terminating by an earlier test refuses
    new objects to anyone.
    """
    return [
        line
        for line in operator_log.read_text().splitlines()
        if 'is forbidden: user "' in line.lower()
    ]


def test_rbac_operator_reconciles_a_bot_with_only_its_role(
    kubectl: Kubectl, kubeconfig: Path, namespace: str, operator_log: Path
) -> None:
    kubectl("apply", "-n", namespace, "-f", str(REPO / "manifests/samples/tradingbot-minimal.yaml"))
    cluster = Cluster(api_client(kubeconfig))

    def reconciled() -> bool:
        return len(cluster.children(namespace, "btc-observer")) == EXPECTED_CHILDREN

    wait_for(reconciled, 60, f"{EXPECTED_CHILDREN} children under the operator's own identity")
    wait_for(lambda: cluster.is_ready(namespace, "btc-observer"), 60, "the bot to turn Ready")
    assert not _rbac_refusals(operator_log)
    peering = json.loads(kubectl("get", "clusterkopfpeering", "crpbot-operator", "-o", "json"))
    assert peering.get("status"), "the operator did not announce itself in its peering object"


def test_rbac_telegram_account_pauses_its_own_bot_only(
    control_plane: ControlPlane,
    kubectl: Kubectl,
    kubeconfig: Path,
    namespace: str,
    operator_log: Path,
) -> None:
    """The operator (under its own identity) grants each Telegram bot get/patch on its own
    TradingBot; `/pause` through that token suspends the scanner, and another bot is off limits.
    """
    for bot in ("alpha", "beta"):
        manifest = bot_manifest(bot, namespace)
        kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    cluster = Cluster(api_client(kubeconfig))
    wait_for(
        lambda: ("RoleBinding", "alpha-telegram") in cluster.children(namespace, "alpha"),
        60,
        "the Telegram bot's Role and RoleBinding",
    )
    telegram = client.CustomObjectsApi(
        api_client(_token_kubeconfig(control_plane, kubectl, "alpha-telegram", namespace))
    )
    own = KubernetesPauseControl(telegram, namespace, "alpha")
    assert own.is_paused() is False
    own.set_paused(True)
    assert own.is_paused() is True
    wait_for(
        lambda: cluster.children(namespace, "alpha")[("CronJob", "alpha-scanner")]["spec"][
            "suspend"
        ],
        30,
        "the operator to suspend the paused bot's CronJob",
    )
    with pytest.raises(ApiException) as refused:
        KubernetesPauseControl(telegram, namespace, "beta").set_paused(True)
    assert refused.value.status == 403
    user = f"system:serviceaccount:{namespace}:alpha-telegram"
    for verb in ("list", "delete", "update"):
        assert not _can(kubectl, user, verb, "tradingbots.crpbot.io", namespace), verb
    assert not _rbac_refusals(operator_log)
