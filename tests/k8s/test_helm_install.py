"""`helm install` of charts/crpbot into the real test API server (tests/k8s fixtures).

Each test installs its own release, named after its fresh namespace, so cluster-scoped
objects (ClusterRole, peering) never collide with the raw manifests other tests apply. The
session fixture already installed manifests/crd/, the very files the chart's crds/ holds:
Helm then keeps the served CRDs, which is what an install over an existing one does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.chart import CHART, CI_VALUES, require_tool
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


@pytest.fixture(scope="module")
def helm() -> Path:
    return require_tool("helm")


def _helm(helm: Path, kubeconfig: Path, *args: str) -> str:
    done = subprocess.run(
        [str(helm), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _install(helm: Path, kubeconfig: Path, release: str, *flags: str) -> str:
    return _helm(
        helm,
        kubeconfig,
        "upgrade",
        "--install",
        release,
        str(CHART),
        "--namespace",
        release,
        *flags,
    )


def _json(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(kubectl("get", *args, "-o", "json"))
    return loaded


def _crd_names() -> set[str]:
    return {
        doc["metadata"]["name"]
        for path in (CHART / "crds").glob("*.yaml")
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    }


def test_helm_install_creates_the_crds_and_operator_objects(
    helm: Path, kubeconfig: Path, kubectl: Kubectl, namespace: str
) -> None:
    _install(helm, kubeconfig, namespace, "--wait", "--timeout", "120s")
    fullname = f"{namespace}-crpbot"
    for crd in _crd_names():
        conditions = _json(kubectl, "crd", crd)["status"]["conditions"]
        assert {"type": "Established", "status": "True"}.items() <= next(
            c for c in conditions if c["type"] == "Established"
        ).items()
    deployment = _json(kubectl, "deployment", f"{fullname}-operator", "-n", namespace)
    assert deployment["status"].get("availableReplicas") == 1
    kubectl("get", "serviceaccount", fullname, "-n", namespace)
    binding = _json(kubectl, "clusterrolebinding", f"{fullname}-operator")
    assert binding["subjects"][0] == {
        "kind": "ServiceAccount",
        "name": fullname,
        "namespace": namespace,
    }
    kubectl("get", "clusterkopfpeering", f"{fullname}-operator")
    dashboards = kubectl(
        "get", "configmap", "-n", namespace, "-l", "grafana_dashboard=1", "-o", "name"
    )
    assert sorted(dashboards.split()) == [
        f"configmap/{fullname}-dashboard-system",
        f"configmap/{fullname}-dashboard-trading",
    ]


def test_helm_installed_operator_account_has_exactly_its_grants(
    helm: Path, kubeconfig: Path, kubectl: Kubectl, namespace: str
) -> None:
    _install(helm, kubeconfig, namespace, "--values", str(CI_VALUES / "minimal-values.yaml"))
    account = f"system:serviceaccount:{namespace}:{namespace}-crpbot"

    def can(verb: str, resource: str) -> bool:
        done = kubectl.plane.kubectl(
            "auth", "can-i", verb, resource, "-n", "elsewhere", "--as", account
        )
        return done.stdout.strip() == "yes"

    assert can("watch", "tradingbots.crpbot.io")
    assert can("patch", "deployments.apps")
    assert can("create", "secrets")
    assert not can("get", "secrets")
    assert not can("delete", "deployments.apps")
    assert not can("create", "pods")


def test_helm_sample_bot_passes_the_real_crd_validation(
    helm: Path, kubeconfig: Path, kubectl: Kubectl, namespace: str
) -> None:
    _install(helm, kubeconfig, namespace, "--values", str(CI_VALUES / "external-db-values.yaml"))
    bot = _json(kubectl, "tradingbot", "btc-observer", "-n", namespace)
    assert bot["spec"]["database"] == {"secretRef": {"name": "trading-db", "key": "database-url"}}
    assert bot["spec"]["granularity"] == "FIFTEEN_MINUTE"


def test_helm_upgrade_keeps_the_generated_database_password(
    helm: Path, kubeconfig: Path, kubectl: Kubectl, namespace: str
) -> None:
    values = str(CI_VALUES / "dev-postgresql-values.yaml")
    secret = f"{namespace}-crpbot-postgresql"

    def password() -> str:
        data = _json(kubectl, "secret", secret, "-n", namespace)["data"]
        return base64.b64decode(data["password"]).decode()

    _install(helm, kubeconfig, namespace, "--values", values)
    first = password()
    _install(helm, kubeconfig, namespace, "--values", values, "--set", "operator.verbose=false")
    assert password() == first and len(first) == 24
    url = _json(kubectl, "secret", "crpbot-database", "-n", namespace)["data"]["url"]
    assert f":{first}@" in base64.b64decode(url).decode()


def test_helm_uninstall_removes_the_operator_but_keeps_the_crds(
    helm: Path, kubeconfig: Path, kubectl: Kubectl, namespace: str
) -> None:
    _install(helm, kubeconfig, namespace)
    _helm(helm, kubeconfig, "uninstall", namespace, "--namespace", namespace, "--wait")
    gone = kubectl.plane.kubectl(
        "get", "deployment", f"{namespace}-crpbot-operator", "-n", namespace
    )
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    for crd in _crd_names():
        kubectl("get", "crd", crd)


def test_helm_namespaced_operator_needs_no_cluster_wide_grant(
    helm: Path,
    kubeconfig: Path,
    kubectl: Kubectl,
    control_plane: ControlPlane,
    namespace: str,
    tmp_path: Path,
) -> None:
    """With operator.watchNamespace the chart grants a Role in that namespace only, and the
    operator, run under that identity as the Deployment runs it, reconciles a bot to Ready."""
    fullname = f"{namespace}-crpbot"
    _install(helm, kubeconfig, namespace, "--set", f"operator.watchNamespace={namespace}")
    for kind in ("clusterrole", "clusterrolebinding"):
        absent = kubectl.plane.kubectl("get", kind, f"{fullname}-operator")
        assert absent.returncode != 0 and "NotFound" in absent.stderr, kind
    account = f"system:serviceaccount:{namespace}:{fullname}"
    elsewhere = kubectl.plane.kubectl(
        "auth", "can-i", "patch", "deployments.apps", "-n", "kube-system", "--as", account
    )
    assert elsewhere.stdout.strip() == "no"
    env = {
        **os.environ,
        "KUBECONFIG": str(token_kubeconfig(control_plane, kubectl, fullname, namespace)),
        "CRPBOT_WATCH_NAMESPACE": namespace,
        "CRPBOT_PEERING_NAME": f"{fullname}-operator",
    }
    log = tmp_path / "operator.log"
    flags = [f"--namespace={namespace}", f"--peering={fullname}-operator", "--verbose"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "crpbot_operator", *flags],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest("solo", namespace)))
        cluster = Cluster(api_client(kubeconfig))
        wait_for(
            lambda: len(cluster.children(namespace, "solo")) == EXPECTED_CHILDREN,
            90,
            "every child under a namespaced Role",
        )
        wait_for(lambda: cluster.is_ready(namespace, "solo"), 90, "the bot to turn Ready")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not rbac_refusals(log), rbac_refusals(log)
