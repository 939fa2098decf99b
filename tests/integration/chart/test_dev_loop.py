"""skaffold.yaml and the kind config, checked without a Docker engine.

skaffold is not built here: its file is checked for what it references (Dockerfiles,
contexts, chart, values keys, port-forward targets). kind is: `kind create cluster` loads and
validates the config only after asking the container runtime for its info, so the test puts
a stand-in `docker` on PATH that answers `info`/`ps`/`inspect` and refuses everything else.
kind then parses and validates the real config with its own Go loader and fails at the first
step that needs a real runtime (creating the network): that error proves the config passed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crpbot_operator.render.common import MODEL_SERVER_PORT, RISK_GUARD_PORT
from tests.fixtures.chart import CHART, RELEASE, REPO

SKAFFOLD = yaml.safe_load((REPO / "skaffold.yaml").read_text())
KIND_CONFIG = REPO / "hack" / "kind-config.yaml"
FAKE_DOCKER = """#!/bin/sh
case "$1" in
  info) echo '{"CgroupDriver":"systemd","CgroupVersion":"2","MemoryLimit":true,'\
'"PidsLimit":true,"CPUShares":true,"SecurityOptions":[]}' ;;
  ps) ;;
  inspect) ;;
  *) echo "stand-in docker: no container runtime here ($*)" >&2; exit 1 ;;
esac
"""


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


def _has_key(values: dict[str, Any], dotted: str) -> bool:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_skaffold_builds_the_three_images_from_real_dockerfiles() -> None:
    assert SKAFFOLD["apiVersion"].startswith("skaffold/v4")
    artifacts = SKAFFOLD["build"]["artifacts"]
    assert [a["image"] for a in artifacts] == [
        "crpbot/operator",
        "crpbot/workers",
        "crpbot/model-server",
    ]
    for artifact in artifacts:
        context = REPO / artifact["context"]
        assert context.resolve() == REPO, "the uv workspace root is the build context"
        assert (context / artifact["docker"]["dockerfile"]).is_file()


def test_skaffold_helm_release_uses_the_chart_and_real_values_keys() -> None:
    (release,) = SKAFFOLD["deploy"]["helm"]["releases"]
    assert (REPO / release["chartPath"]).resolve() == CHART
    assert release["name"] == RELEASE
    for file in release["valuesFiles"]:
        assert (REPO / file).is_file()
    images = {
        a["image"].replace("/", "_").replace("-", "_") for a in SKAFFOLD["build"]["artifacts"]
    }
    values = _values()
    for key, template in release["setValueTemplates"].items():
        assert _has_key(values, key), f"setValueTemplates names unknown value {key}"
        for variable in re.findall(r"\{\{\.IMAGE_(?:REPO|TAG)_(\w+)\}\}", str(template)):
            assert variable in images, f"{key} refers to no artifact: {variable}"


def test_skaffold_port_forwards_reach_the_risk_guard_and_metrics() -> None:
    dev_values = yaml.safe_load((CHART / "ci" / "dev-postgresql-values.yaml").read_text())
    bot = dev_values["sampleBot"]["name"]
    (release,) = SKAFFOLD["deploy"]["helm"]["releases"]
    forwards = {(f["resourceName"], f["port"]) for f in SKAFFOLD["portForward"]}
    assert (f"{bot}-risk-guard", RISK_GUARD_PORT) in forwards
    assert (f"{bot}-model-server", MODEL_SERVER_PORT) in forwards
    assert (f"{bot}-model-server", 8082) in forwards, "TorchServe metrics"
    assert (f"{RELEASE}-operator", 8080) in forwards
    assert {f["namespace"] for f in SKAFFOLD["portForward"]} == {release["namespace"]}
    local_ports = [f["localPort"] for f in SKAFFOLD["portForward"]]
    assert len(set(local_ports)) == len(local_ports)


def _path_with_stand_in_docker(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def _kind_create(kind: Path, config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": _path_with_stand_in_docker(tmp_path),
        "KIND_EXPERIMENTAL_PROVIDER": "docker",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
    }
    return subprocess.run(
        [str(kind), "create", "cluster", "--config", str(config), "--retain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_kind_parses_and_validates_the_config(kind: Path, tmp_path: Path) -> None:
    result = _kind_create(kind, KIND_CONFIG, tmp_path)
    assert result.returncode != 0
    assert 'Creating cluster "crpbot"' in result.stderr, result.stderr
    assert "failed to ensure docker network" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("good", "bad", "error"),
    [
        ("role: worker", "role: bogus", '"bogus" is not a valid node role'),
        ("kind.x-k8s.io/v1alpha4", "kind.x-k8s.io/v9", "unknown apiVersion"),
    ],
)
def test_kind_rejects_a_broken_config_before_the_runtime(
    kind: Path, tmp_path: Path, good: str, bad: str, error: str
) -> None:
    config = tmp_path / "kind-config.yaml"
    config.write_text(KIND_CONFIG.read_text().replace(good, bad))
    result = _kind_create(kind, config, tmp_path)
    assert result.returncode != 0
    assert error in result.stderr, result.stderr
    assert "Creating cluster" not in result.stderr


@pytest.mark.parametrize("images", ["operator bogus", "model_server", "workers Operator"])
def test_kind_up_rejects_an_unknown_image_before_touching_docker(
    tmp_path: Path, images: str
) -> None:
    env = {
        **os.environ,
        "PATH": _path_with_stand_in_docker(tmp_path),
        "CRPBOT_KIND_IMAGES": images,
        "CRPBOT_KIND_CLUSTER": "crpbot-never-made",
        "KIND_NODE_IMAGE": "crpbot-test/no-such-node:0",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
    }
    result = subprocess.run(
        [str(REPO / "hack" / "kind-up.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "CRPBOT_KIND_IMAGES: unknown image" in result.stderr
    assert "stand-in docker" not in result.stderr
