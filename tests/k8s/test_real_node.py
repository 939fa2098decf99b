"""Pods that really run: the operator image on the test cluster's real node (kubelet +
containerd), through the API server as any user would reach them."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid
from collections.abc import Iterator

import pytest

from tests.k8s.control_plane import Kubectl
from tests.k8s.node_pods import FETCH, exit_code, finished, node_pod
from tests.k8s.node_runtime import Containerd
from tests.k8s.real_node import RealNode

pytestmark = [pytest.mark.k8s, pytest.mark.realnode]

LIMIT_BYTES = 64 * 1024 * 1024


def test_real_node_runs_the_operator_image_to_completion(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(node_pod("help", ["--help"])))

    pod = finished(kubectl, real_node, namespace, "help")

    assert (pod["spec"]["nodeName"], pod["status"]["phase"]) == (real_node.name, "Succeeded")
    assert exit_code(pod) == 0
    assert pod["status"]["podIP"].startswith("10.88.0.")
    # Logs travel API server -> kubelet -> containerd: the node's serving side works too.
    assert "Start an operator process" in kubectl("logs", "-n", namespace, "help")


def test_real_node_enforces_the_pod_memory_limit_in_its_cgroup(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    read_limit = "print(open('/sys/fs/cgroup/memory/memory.limit_in_bytes').read().strip())"
    pod_json = node_pod("limit", ["-c", read_limit], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(pod_json))

    pod = finished(kubectl, real_node, namespace, "limit")

    assert exit_code(pod) == 0, kubectl("logs", "-n", namespace, "limit")
    assert kubectl("logs", "-n", namespace, "limit").strip() == str(LIMIT_BYTES)


def test_real_node_routes_a_service_cluster_ip_to_its_pod(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    serve = ["-m", "http.server", "8080", "--directory", "/opt/venv"]
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}
    server = node_pod("web", serve, command=["python"], readinessProbe=probe)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(server))
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(service))
    kubectl("wait", "-n", namespace, "--for=condition=Ready", "pod/web", "--timeout=120s")
    cluster_ip = kubectl(
        "get", "service", "web", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}"
    )

    client = node_pod("fetch", ["-c", FETCH, f"http://{cluster_ip}/"], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(client))
    pod = finished(kubectl, real_node, namespace, "fetch")

    logs = kubectl("logs", "-n", namespace, "fetch")
    assert exit_code(pod) == 0, f"{logs}\n{real_node.log_tail()}"
    assert logs.startswith("200 ") and "pyvenv.cfg" in logs


def test_real_node_runs_kubectl_exec_in_a_running_container(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    idle = node_pod("idle", ["-c", "import time; time.sleep(600)"], command=["python"])
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(idle))
    kubectl("wait", "-n", namespace, "--for=condition=Ready", "pod/idle", "--timeout=120s")

    # API server -> kubelet -> containerd's CRI streaming server, as a user debugging a pod.
    whoami = kubectl(
        "exec", "-n", namespace, "idle", "--", "python", "-c", "import os; print(os.getuid())"
    )

    assert whoami.strip() == "10001"


def _build_one_file_image(tag: str, marker: str) -> None:
    """A one-file image under `tag` in the Docker engine; another `marker`, another id."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        data = marker.encode()
        info = tarfile.TarInfo("marker")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    subprocess.run(["docker", "import", "-", tag], input=layer.getvalue(), check=True)


@pytest.fixture
def throwaway_image() -> Iterator[str]:
    """A one-file image of its own (a unique id) in the Docker engine, removed afterwards."""
    tag = f"crpbot-test/removal:{uuid.uuid4().hex[:8]}"
    _build_one_file_image(tag, tag)
    yield tag
    subprocess.run(["docker", "image", "rm", tag], capture_output=True, check=False)


def _digests(runtime: Containerd) -> set[str]:
    return {row.split()[2] for row in runtime.ctr("images", "ls").splitlines()[1:]}


def test_real_node_importing_a_rebuilt_image_drops_the_previous_build(
    real_node: RealNode, throwaway_image: str
) -> None:
    runtime = real_node.runtime
    runtime.import_docker_image(throwaway_image)
    before = _digests(runtime)
    _build_one_file_image(throwaway_image, "rebuilt")
    runtime.import_docker_image(throwaway_image)
    after = _digests(runtime)

    assert runtime.holds(throwaway_image)
    assert len(before - after) == 1, "no reference to the first build's manifest is left"
    assert len(after - before) == 1
    runtime.remove_image(throwaway_image)


def test_real_node_removing_an_image_drops_every_reference_to_its_content(
    real_node: RealNode, throwaway_image: str
) -> None:
    runtime = real_node.runtime
    runtime.import_docker_image(throwaway_image)
    listed = runtime.ctr("images", "ls").splitlines()[1:]
    (digest,) = {row.split()[2] for row in listed if throwaway_image in row.split()[0]}
    # The CRI plugin keeps its own `sha256:<id>` name for the same manifest: a removal by
    # name alone left it, and with it the content and snapshots.
    assert any(r.split()[0].startswith("sha256:") and r.split()[2] == digest for r in listed)

    runtime.remove_image(throwaway_image)

    assert all(row.split()[2] != digest for row in runtime.ctr("images", "ls").splitlines()[1:])
