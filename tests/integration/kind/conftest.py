"""A kind cluster made by `hack/kind-up.sh --cluster-only`, the user's path, for the session.

Opt-in (CRPBOT_KIND_TESTS=1): the first run builds kind's node image from local pieces
(hack/build-kind-node.sh, minutes), and two kind nodes plus the rest of the suite do not fit
the CI machine's two cores. Without a Docker engine the tests skip with ensure-docker's reason.
The cluster and its kubeconfig are the session's own and are deleted at its end.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CREATE_TIMEOUT_S = 3600


@dataclass(frozen=True)
class KindCluster:
    name: str
    kubectl: Path
    kubeconfig: Path

    def run(
        self, *args: str, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.kubectl), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _last_line(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=1800, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def kind_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindCluster]:
    if os.environ.get("CRPBOT_KIND_TESTS") != "1":
        pytest.skip("kind cluster tests are opt-in: CRPBOT_KIND_TESTS=1 (minutes, 2 nodes)")
    engine = subprocess.run(
        [str(REPO / "hack" / "ensure-docker.sh")], capture_output=True, text=True, timeout=600
    )
    if engine.returncode != 0:
        reason = engine.stderr.strip().splitlines()[-1] if engine.stderr.strip() else "?"
        pytest.skip(f"no Docker engine: {reason}")
    kubectl = Path(_last_line([str(REPO / "hack" / "build-control-plane.sh")])) / "kubectl"
    kind = Path(_last_line([str(REPO / "hack" / "build-tools.sh")])) / "kind"
    cluster = KindCluster(
        name=f"crpbot-test-{secrets.token_hex(3)}",
        kubectl=kubectl,
        kubeconfig=tmp_path_factory.mktemp("kind") / "kubeconfig",
    )
    env = {**os.environ, "CRPBOT_KIND_CLUSTER": cluster.name, "KUBECONFIG": str(cluster.kubeconfig)}
    try:
        up = subprocess.run(
            [str(REPO / "hack" / "kind-up.sh"), "--cluster-only"],
            capture_output=True,
            text=True,
            timeout=CREATE_TIMEOUT_S,
            cwd=REPO,
            env=env,
        )
        assert up.returncode == 0, f"hack/kind-up.sh --cluster-only failed:\n{up.stderr[-4000:]}"
        yield cluster
    finally:
        subprocess.run(
            [str(kind), "delete", "cluster", "--name", cluster.name],
            capture_output=True,
            timeout=300,
            env=env,
        )
