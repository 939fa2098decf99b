"""What pods on the real node need from the cluster beyond the kubelet: the API server at the
`kubernetes` Service, cluster DNS, and volumes for their claims.

- API server: a relay (tcp_relay.py) on the node's bridge address hands connections on to
  the loopback API server, and the `kubernetes` Service gets an EndpointSlice naming that
  address (the API server runs with `--endpoint-reconciler-type=none`), so kube-proxy routes
  10.0.0.1:443 to it and in-cluster clients (a ServiceAccount token, KUBERNETES_SERVICE_HOST)
  work as on any cluster.
- DNS: CoreDNS (hack/build-node.sh, the kubernetes plugin only) as a host process on the
  bridge address, port 53; the kubelet names it as clusterDNS. Names outside cluster.local
  are answered NXDOMAIN at once: nothing outside this machine may be reached anyway.
- Volumes: no provisioner runs; `hostpath_volume` makes a PersistentVolume on a host folder
  pre-bound to one claim, which the PV controller then binds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fixtures.ports import free_port
from tests.fixtures.processes import stop_process
from tests.k8s.control_plane import REPO, ControlPlane
from tests.k8s.node_runtime import NODE_IP

API_RELAY_PORT = 6443
CLUSTER_DOMAIN = "cluster.local"
DNS_READY_TIMEOUT_S = 60.0


class ServiceUnavailableError(RuntimeError):
    """A node service did not start; the message carries its log tail."""


def kubernetes_endpoint_slice(address: str, port: int) -> dict[str, object]:
    """The `kubernetes` Service's backend, as the API server's own reconciler would write it."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {
                "kubernetes.io/service-name": "kubernetes",
                "endpointslice.kubernetes.io/managed-by": "crpbot-tests",
            },
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }


def corefile(kubeconfig: Path, ready_port: int) -> str:
    """Cluster names from the API server; every other name NXDOMAIN (no upstream here)."""
    return f"""\
{CLUSTER_DOMAIN}:53 in-addr.arpa:53 {{
    bind {NODE_IP}
    ready 127.0.0.1:{ready_port}
    errors
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa {{
        kubeconfig {kubeconfig} crpbot-test
        pods insecure
    }}
}}
.:53 {{
    bind {NODE_IP}
    errors
    template ANY ANY {{
        rcode NXDOMAIN
    }}
}}
"""


def _spawn(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO
        )


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def api_for_pods(plane: ControlPlane, workdir: Path) -> Iterator[None]:
    """The API server reachable at the `kubernetes` Service from pods, while the block runs."""
    log = workdir / "api-relay.log"
    target_port = plane.server.rsplit(":", 1)[1]
    relay_args = [NODE_IP, str(API_RELAY_PORT), "127.0.0.1", target_port]
    relay = _spawn([sys.executable, "-m", "tests.k8s.tcp_relay", *relay_args], log)
    slice_json = json.dumps(kubernetes_endpoint_slice(NODE_IP, API_RELAY_PORT))
    try:
        done = plane.kubectl("apply", "-f", "-", stdin=slice_json)
        if done.returncode != 0:
            raise ServiceUnavailableError(f"kubernetes EndpointSlice: {done.stderr.strip()}")
        if relay.poll() is not None:
            raise ServiceUnavailableError(f"the API relay exited: {_tail(log)}")
        yield
    finally:
        plane.kubectl("delete", "endpointslice", "kubernetes", "-n", "default", "--wait=false")
        stop_process(relay, grace_s=10)


@contextmanager
def cluster_dns(plane: ControlPlane, coredns: Path, workdir: Path) -> Iterator[Path]:
    """CoreDNS on the node's address until the block ends; yields its log."""
    ready_port = free_port()
    config = workdir / "Corefile"
    config.write_text(corefile(plane.kubeconfig, ready_port))
    log = workdir / "coredns.log"
    process = _spawn([str(coredns), "-conf", str(config)], log)
    try:
        deadline = time.monotonic() + DNS_READY_TIMEOUT_S
        while not _ready(f"http://127.0.0.1:{ready_port}/ready"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServiceUnavailableError(f"CoreDNS did not become ready:\n{_tail(log)}")
            time.sleep(0.2)
        yield log
    finally:
        stop_process(process, grace_s=10)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def hostpath_volume(name: str, folder: Path, namespace: str, claim: str) -> dict[str, object]:
    """A PersistentVolume on `folder`, reserved for `namespace/claim` (static provisioning).

    Pre-bound through `claimRef`, so no other claim in the shared session cluster (the kwok
    tests' bots have scanner claims too) can take it. `Delete` is not offered for hostPath
    without a provisioner; the test removes the folder itself.
    """
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {"crpbot.io/test-volume": "true"}},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "claimRef": {"namespace": namespace, "name": claim},
            "hostPath": {"path": str(folder), "type": "DirectoryOrCreate"},
        },
    }


def make_volume_folder(folder: Path, uid: int = 10001) -> Path:
    """A host folder the pods' non-root user owns (hostPath ignores fsGroup)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chown(folder, uid, uid)
    return folder
