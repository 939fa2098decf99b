"""A real node for the test cluster: a kubelet (hack/build-node.sh) on this machine, running
pods through containerd (node_runtime.py), joined to the session's API server.

The kubelet authenticates as `system:node:<name>` (group `system:nodes`) with a certificate
from the session's CA, so the API server's Node authorizer and NodeRestriction admit it as
they would any node. It registers with a NoSchedule taint: the kwok-based tests keep their
fake node, and only pods that tolerate the taint (and select the node) run for real.

The kubelet settings are what this machine needs (issue #14): cgroup v1 allowed, the cgroupfs
driver, swap tolerated, and eviction/image-GC thresholds that a shared, mostly full disk
does not trip (a node under DiskPressure would evict the very pods under test).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.ports import free_port
from tests.k8s import pki
from tests.k8s.control_plane import ControlPlane, kubeconfig_for
from tests.k8s.node_runtime import NODE_IP, Containerd, _unmount_under

NODE_NAME = "crpbot-node-0"
TAINT_KEY = "crpbot.io/real-node"
NODE_BINARIES = ("kubelet", "kube-proxy", "pause/pause")
BUILD_HINT = "build them with: export CRPBOT_NODE_BIN=$(hack/build-node.sh)"
READY_TIMEOUT_S = 120.0


class NodeUnavailable(RuntimeError):
    """The kubelet did not join; the message carries its log tail."""


def missing_node_binaries(bin_dir: str | None) -> str | None:
    """Why the node cannot start from `bin_dir`, or None when it can."""
    if not bin_dir:
        return f"CRPBOT_NODE_BIN is not set; {BUILD_HINT}"
    absent = [name for name in NODE_BINARIES if not (Path(bin_dir) / name).is_file()]
    if absent:
        return f"CRPBOT_NODE_BIN={bin_dir} lacks {', '.join(absent)}; {BUILD_HINT}"
    return None


def kubelet_config(workdir: Path, runtime_endpoint: str, ca_cert: Path) -> dict[str, object]:
    """The KubeletConfiguration of the test node; its ports are free loopback ports."""
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "failSwapOn": False,
        "containerRuntimeEndpoint": runtime_endpoint,
        "address": NODE_IP,
        "port": free_port(),
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": free_port(),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(ca_cert)},
        },
        "authorization": {"mode": "Webhook"},
        "podLogsDir": str(workdir / "pod-logs"),
        "registerWithTaints": [{"key": TAINT_KEY, "effect": "NoSchedule"}],
        "maxPods": 30,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "serializeImagePulls": False,
        "resolvConf": "/etc/resolv.conf",
        "syncFrequency": "5s",
        "fileCheckFrequency": "5s",
        "nodeStatusReportFrequency": "10s",
    }


@dataclass
class RealNode:
    name: str
    runtime: Containerd
    kubelet: subprocess.Popen[bytes]
    log: Path

    @classmethod
    @contextmanager
    def started(
        cls, plane: ControlPlane, runtime: Containerd, bin_dir: Path, workdir: Path
    ) -> Iterator[RealNode]:
        """Join a kubelet to `plane`; on exit delete the node, stop the kubelet, undo mounts."""
        credentials = pki.issue_client(plane.pki, "kubelet", f"system:node:{NODE_NAME}", "system:nodes")
        kubeconfig = workdir / "kubelet.kubeconfig"
        kubeconfig.write_text(json.dumps(kubeconfig_for(plane.server, plane.pki.ca_cert, credentials)))
        config = workdir / "kubelet-config.json"
        config.write_text(json.dumps(kubelet_config(workdir, runtime.endpoint, plane.pki.ca_cert)))
        root = workdir / "kubelet-root"
        log = workdir / "kubelet.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(bin_dir / "kubelet"),
                    f"--config={config}",
                    f"--kubeconfig={kubeconfig}",
                    f"--hostname-override={NODE_NAME}",
                    f"--node-ip={NODE_IP}",
                    f"--node-labels={TAINT_KEY}=true",
                    f"--root-dir={root}",
                    f"--cert-dir={workdir / 'kubelet-pki'}",
                    "--v=2",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        node = cls(NODE_NAME, runtime, process, log)
        try:
            node._wait("the node to be Ready", lambda: node._ready(plane), READY_TIMEOUT_S)
            yield node
        finally:
            node._stop(plane)
            _unmount_under(root)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _ready(self, plane: ControlPlane) -> bool:
        ready = '{.status.conditions[?(@.type=="Ready")].status}'
        done = plane.kubectl("get", "node", self.name, "-o", f"jsonpath={ready}")
        return done.stdout.strip() == "True"

    def _wait(self, what: str, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.kubelet.poll() is not None:
                raise NodeUnavailable(f"kubelet exited ({self.kubelet.returncode}):\n{self.log_tail()}")
            if ready():
                return
            time.sleep(0.5)
        raise NodeUnavailable(f"timed out after {timeout_s}s waiting for {what}:\n{self.log_tail()}")

    def _stop(self, plane: ControlPlane) -> None:
        plane.kubectl("delete", "node", self.name, "--wait=false")
        if self.kubelet.poll() is None:
            self.kubelet.send_signal(signal.SIGTERM)
        try:
            self.kubelet.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.kubelet.pid, signal.SIGKILL)
            self.kubelet.wait(timeout=5)
