"""The operator's RBAC in a real API server: the service account may do exactly its job."""

from __future__ import annotations

import pytest

from tests.k8s.control_plane import REPO, Kubectl

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
