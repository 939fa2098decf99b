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
    rbac_refusals,
    token_kubeconfig,
    wait_for,
)

pytestmark = pytest.mark.k8s

OPERATOR = "system:serviceaccount:crpbot-system:crpbot-operator"


@pytest.fixture(scope="module")
def operator_rbac(kubectl: Kubectl) -> str:
    kubectl("apply", "-f", str(REPO / "manifests" / "rbac"))
    return OPERATOR


def _can(kubectl: Kubectl, user: str, verb: str, resource: str, namespace: str) -> bool:
    """`kubectl auth can-i`; `resource/sub` asks about the subresource.

    kubectl reads `tradingbots.crpbot.io/finalizers` as the object named `finalizers`, which
    the plain `tradingbots` rules would answer: a subresource needs `--subresource`.
    """
    kind, _, sub = resource.partition("/")
    extra = ["--subresource", sub] if sub else []
    args = ("auth", "can-i", verb, kind, *extra, "-n", namespace, "--as", user)
    done = kubectl.plane.kubectl(*args)
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
        ("update", "tradingbots.crpbot.io/finalizers"),
        ("create", "persistentvolumeclaims"),
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


@pytest.fixture(scope="module")
def operator_kubeconfig(control_plane: ControlPlane, kubectl: Kubectl, operator_rbac: str) -> Path:
    return token_kubeconfig(control_plane, kubectl, "crpbot-operator", "crpbot-system")


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
    assert not rbac_refusals(operator_log)
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
        api_client(token_kubeconfig(control_plane, kubectl, "alpha-telegram", namespace))
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
    assert not rbac_refusals(operator_log)


@pytest.mark.parametrize(
    "patch",
    [
        {"spec": {"images": {"workers": "evil.example/miner:1"}}},
        {"spec": {"risk": {"dailyLossPct": 50, "totalLossPct": 60}}},
        {"spec": {"suspend": True, "symbols": ["ETH-USD"]}},
        {"spec": {"schedule": "0 0 1 1 *"}},
        {"metadata": {"labels": {"team": "elsewhere"}}},
        {"metadata": {"annotations": {"crpbot.io/skill-gate": "{}", "team.io/owner": "me"}}},
    ],
    ids=["images", "risk", "suspend-and-symbols", "schedule", "labels", "foreign-annotation"],
)
def test_rbac_telegram_account_may_only_pause(
    control_plane: ControlPlane,
    kubectl: Kubectl,
    kubeconfig: Path,
    namespace: str,
    operator_log: Path,
    patch: dict[str, object],
) -> None:
    """RBAC must grant the Telegram account `patch` on its whole bot; the admission policy
    shipped beside the operator's RBAC lets it change spec.suspend and nothing else."""
    kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest("alpha", namespace)))
    cluster = Cluster(api_client(kubeconfig))
    wait_for(
        lambda: ("RoleBinding", "alpha-telegram") in cluster.children(namespace, "alpha"),
        60,
        "the Telegram bot's Role and RoleBinding",
    )
    telegram = client.CustomObjectsApi(
        api_client(token_kubeconfig(control_plane, kubectl, "alpha-telegram", namespace))
    )
    before = cluster.get_bot(namespace, "alpha")
    with pytest.raises(ApiException) as refused:
        telegram.patch_namespaced_custom_object(
            "crpbot.io", "v1alpha1", namespace, "tradingbots", "alpha", patch
        )
    assert refused.value.status == 403, refused.value.body
    assert "the Telegram bot may" in str(refused.value.body)
    after = cluster.get_bot(namespace, "alpha")
    assert after["spec"] == before["spec"]
    assert after["metadata"].get("labels") == before["metadata"].get("labels")
    KubernetesPauseControl(telegram, namespace, "alpha").set_paused(True)
    assert cluster.get_bot(namespace, "alpha")["spec"]["suspend"] is True
    cluster.patch_bot(namespace, "alpha", {"risk": {"minConfidence": 0.7}})
