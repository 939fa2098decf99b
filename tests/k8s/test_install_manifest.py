"""`kubectl apply` of manifests/install.yaml is accepted by the real API server.

A server-side dry run: the session already serves the CRDs and other tests own the
cluster-scoped names. Namespaced objects need their namespace to exist even in a dry run, so
the test creates it for real (idempotently)."""

from __future__ import annotations

import pytest

from tests.fixtures.chart import REPO
from tests.k8s.control_plane import Kubectl

pytestmark = pytest.mark.k8s


def test_install_manifest_is_accepted_by_the_api_server(kubectl: Kubectl) -> None:
    namespace = kubectl("create", "namespace", "crpbot-system", "--dry-run=client", "-o", "yaml")
    kubectl("apply", "-f", "-", stdin=namespace)
    applied = kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=install-test",
        "--dry-run=server",
        "-f",
        str(REPO / "manifests" / "install.yaml"),
    )
    for kind in ("namespace", "customresourcedefinition", "clusterrole", "deployment"):
        assert f"{kind}" in applied.lower()
    assert "serverside-applied (server dry run)" in applied
