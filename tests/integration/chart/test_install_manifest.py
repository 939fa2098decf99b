"""manifests/install.yaml (the Helm-free install) is the chart's default render, kept in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.chart import REPO, require_tool, run

INSTALL = REPO / "manifests" / "install.yaml"


def _docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_install_manifest_matches_the_chart() -> None:
    helm = require_tool("helm")
    done = run(
        ["env", f"CRPBOT_TOOLS_DIR={helm.parent}", "hack/render-install.sh", "--check"], False
    )
    assert done.returncode == 0, done.stderr


def test_install_manifest_carries_the_crds_and_rbac_of_manifests() -> None:
    installed = _docs(INSTALL)
    crds = {d["metadata"]["name"]: d for d in installed if d["kind"] == "CustomResourceDefinition"}
    sources = [d for path in (REPO / "manifests" / "crd").glob("*.yaml") for d in _docs(path)]
    assert {d["metadata"]["name"] for d in sources} == set(crds)
    for source in sources:
        assert crds[source["metadata"]["name"]]["spec"] == source["spec"]
    (role,) = [d for d in installed if d["kind"] == "ClusterRole"]
    (source_role,) = _docs(REPO / "manifests" / "rbac" / "clusterrole.yaml")
    assert role["rules"] == source_role["rules"]


def test_install_manifest_runs_the_operator_as_non_root_in_its_namespace() -> None:
    installed = _docs(INSTALL)
    (namespace,) = [d for d in installed if d["kind"] == "Namespace"]
    namespaced = [d for d in installed if d["kind"] in {"Deployment", "ServiceAccount"}]
    assert {d["metadata"]["namespace"] for d in namespaced} == {namespace["metadata"]["name"]}
    (deployment,) = [d for d in installed if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert all("resources" in c for c in pod["containers"])
    assert "helm.sh/chart" not in INSTALL.read_text()


def test_install_manifest_check_names_the_fix_when_stale(tmp_path: Path) -> None:
    helm = require_tool("helm")
    script = (REPO / "hack" / "render-install.sh").read_text()
    copy = tmp_path / "repo"
    (copy / "hack").mkdir(parents=True)
    (copy / "hack" / "render-install.sh").write_text(script)
    (copy / "charts").symlink_to(REPO / "charts")
    (copy / "manifests").mkdir()
    (copy / "manifests" / "install.yaml").write_text("# stale\n")
    done = run(
        [
            "env",
            f"CRPBOT_TOOLS_DIR={helm.parent}",
            "bash",
            copy / "hack/render-install.sh",
            "--check",
        ],
        False,
    )
    assert done.returncode == 1
    assert "out of date: manifests/install.yaml (run hack/render-install.sh)" in done.stderr
