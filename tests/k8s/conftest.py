"""Session fixtures: one real control plane (see control_plane.py) shared by tests/k8s.

Without the binaries every test here skips, saying how to build them. A failing test gets
the tail of each component's log attached to its report.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from kopf.testing import KopfRunner

from tests.k8s.control_plane import CRD_DIR, ControlPlane, Kubectl, missing_binaries
from tests.k8s.node_pods import IMAGE as OPERATOR_IMAGE
from tests.k8s.node_runtime import Containerd, RuntimeUnavailableError
from tests.k8s.operator_support import Cluster, api_client, kopf_operator
from tests.k8s.real_node import (
    NodeUnavailableError,
    RealNode,
    build_image,
    missing_node_binaries,
)

REPO = Path(__file__).resolve().parents[2]
NODE_IMAGES = (OPERATOR_IMAGE,)

PLANE_KEY = pytest.StashKey[ControlPlane]()
NODE_KEY = pytest.StashKey[RealNode]()


@pytest.fixture(scope="session")
def control_plane(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[ControlPlane]:
    """The running cluster, with the repo's CRDs installed and its kubectl first on PATH."""
    reason = missing_binaries(os.environ.get("KUBEBUILDER_ASSETS"))
    if reason:
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("control-plane")
    with ControlPlane.started(workdir) as plane, pytest.MonkeyPatch.context() as env:
        env.setenv("PATH", f"{plane.assets}{os.pathsep}{os.environ.get('PATH', '')}")
        pytestconfig.stash[PLANE_KEY] = plane
        if any(CRD_DIR.glob("*.yaml")):
            plane.install_crds()
        yield plane
        del pytestconfig.stash[PLANE_KEY]


@pytest.fixture(scope="session")
def kubeconfig(control_plane: ControlPlane) -> Path:
    """An admin kubeconfig (client certificate, group system:masters) for the test cluster."""
    return control_plane.kubeconfig


@pytest.fixture(scope="session")
def kubectl(control_plane: ControlPlane) -> Kubectl:
    return Kubectl(control_plane)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    plane = item.config.stash.get(PLANE_KEY, None)
    if report.failed and plane is not None:
        report.sections.append(("control-plane logs", plane.log_tails()))
    node = item.config.stash.get(NODE_KEY, None)
    if report.failed and node is not None:
        report.sections.append(("real node logs", node.log_tail()))
    return report


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards without waiting for it to drain."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture(scope="module")
def cluster(kubeconfig: Path) -> Cluster:
    """Typed reads and writes on the test cluster, as its admin."""
    return Cluster(api_client(kubeconfig))


@pytest.fixture(scope="module")
def operator(kubeconfig: Path) -> Iterator[KopfRunner]:
    """The operator in this process, one per test module: Kopf takes seconds to start and
    stop, and a module's tests each use their own namespace."""
    with kopf_operator(kubeconfig) as runner:
        yield runner


@pytest.fixture
def bot_namespace(cluster: Cluster, operator: KopfRunner) -> str:
    """A fresh namespace that the in-process operator already watches.

    It is kept until the control plane stops: deleting it would set the operator chasing
    the garbage collection of its children while the next test runs.
    """
    name = f"bots-{uuid.uuid4().hex[:8]}"
    cluster.create_namespace(name)
    return name


def _run_or_skip(what: str, *command: str, timeout: float) -> None:
    """Run a hack/ script that sets something up; skip with its last line when it cannot."""
    done = subprocess.run(
        [str(REPO / "hack" / command[0]), *command[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        pytest.skip(f"{what}: {lines[-1]}")


@pytest.fixture(scope="session")
def real_node(
    control_plane: ControlPlane,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> Iterator[RealNode]:
    """A kubelet with containerd joined to the cluster, with the operator image on it.

    Skips, saying what is missing, when the node binaries are not built or the Docker
    engine, containerd or the kubelet cannot start here.
    """
    bin_dir = os.environ.get("CRPBOT_NODE_BIN")
    reason = missing_node_binaries(bin_dir)
    if reason or bin_dir is None:
        pytest.skip(reason or "CRPBOT_NODE_BIN is not set")
    _run_or_skip("no container runtime", "ensure-node-runtime.sh", timeout=600)
    _run_or_skip("no Docker engine", "ensure-docker.sh", timeout=600)
    build_image("operator")
    workdir = tmp_path_factory.mktemp("real-node")
    cache = Path(os.environ.get("CRPBOT_CACHE_DIR", Path.home() / ".cache" / "crpbot")) / "node"
    with ExitStack() as stack:
        try:
            runtime = stack.enter_context(Containerd.started(cache, workdir))
            runtime.import_pause_image(Path(bin_dir) / "pause")
            for image in NODE_IMAGES:
                runtime.import_docker_image(image)
            node = stack.enter_context(
                RealNode.started(control_plane, runtime, Path(bin_dir), workdir)
            )
        except (RuntimeUnavailableError, NodeUnavailableError) as exc:
            pytest.skip(f"the real node cannot start: {exc}")
        pytestconfig.stash[NODE_KEY] = node
        yield node
        del pytestconfig.stash[NODE_KEY]
