"""Session fixtures: one real control plane (see control_plane.py) shared by tests/k8s.

Without the binaries every test here skips, saying how to build them. A failing test gets
the tail of each component's log attached to its report.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.k8s.control_plane import CRD_DIR, ControlPlane, Kubectl, missing_binaries

PLANE_KEY = pytest.StashKey[ControlPlane]()


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
    return report


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards without waiting for it to drain."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false")
