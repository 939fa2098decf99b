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
from tests.k8s.control_plane import REPO, ControlPlane, kubeconfig_for
from tests.k8s.node_runtime import NODE_IP, POD_SUBNET, Containerd, unmount_under
from tests.k8s.node_services import CLUSTER_DOMAIN, api_for_pods, cluster_dns

NODE_NAME = "crpbot-node-0"
TAINT_KEY = "crpbot.io/real-node"
NODE_BINARIES = ("kubelet", "kube-proxy", "pause/pause", "coredns/coredns")
BUILD_HINT = "build them with: export CRPBOT_NODE_BIN=$(hack/build-node.sh)"
READY_TIMEOUT_S = 120.0


class NodeUnavailableError(RuntimeError):
    """The kubelet did not join; the message carries its log tail."""


def missing_node_binaries(bin_dir: str | None) -> str | None:
    """Why the node cannot start from `bin_dir`, or None when it can."""
    if not bin_dir:
        return f"CRPBOT_NODE_BIN is not set; {BUILD_HINT}"
    absent = [name for name in NODE_BINARIES if not (Path(bin_dir) / name).is_file()]
    if absent:
        return f"CRPBOT_NODE_BIN={bin_dir} lacks {', '.join(absent)}; {BUILD_HINT}"
    return None


def kube_proxy_config(kubeconfig: Path) -> dict[str, object]:
    """kube-proxy in iptables mode, its own ports on loopback, NodePorts on the node IP only.

    Every ClusterIP connection is masqueraded, so a reply from a pod on the same bridge goes
    back through the host to be un-DNATed; conntrack sysctls are left alone (0 = keep), as
    this machine may refuse to write them.
    """
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "mode": "iptables",
        "hostnameOverride": NODE_NAME,
        "clusterCIDR": POD_SUBNET,
        "healthzBindAddress": f"127.0.0.1:{free_port()}",
        "metricsBindAddress": f"127.0.0.1:{free_port()}",
        "nodePortAddresses": [f"{NODE_IP}/32"],
        "iptables": {"masqueradeAll": True, "syncPeriod": "5s", "minSyncPeriod": "0s"},
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }


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
        # CoreDNS on the node's own address (node_services.cluster_dns), not a Service IP:
        # it runs as a host process, and its address is the same for every session.
        "clusterDNS": [NODE_IP],
        "clusterDomain": CLUSTER_DOMAIN,
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
    proxy: subprocess.Popen[bytes] | None = None
    proxy_log: Path | None = None
    dns_log: Path | None = None

    @classmethod
    @contextmanager
    def started(
        cls, plane: ControlPlane, runtime: Containerd, bin_dir: Path, workdir: Path
    ) -> Iterator[RealNode]:
        """Join a kubelet to `plane`; on exit delete the node, stop the kubelet, undo mounts."""
        credentials = pki.issue_client(
            plane.pki, "kubelet", f"system:node:{NODE_NAME}", "system:nodes"
        )
        kubeconfig = workdir / "kubelet.kubeconfig"
        kubeconfig.write_text(
            json.dumps(kubeconfig_for(plane.server, plane.pki.ca_cert, credentials))
        )
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
            node._start_proxy(plane, bin_dir, workdir)
            with (
                api_for_pods(plane, workdir),
                cluster_dns(plane, bin_dir / "coredns" / "coredns", workdir) as dns_log,
            ):
                node.dns_log = dns_log
                yield node
        finally:
            node._stop(plane, bin_dir)
            unmount_under(root)

    def _start_proxy(self, plane: ControlPlane, bin_dir: Path, workdir: Path) -> None:
        """kube-proxy as `system:kube-proxy`, which the default RBAC binds to node-proxier."""
        credentials = pki.issue_client(plane.pki, "kube-proxy", "system:kube-proxy", None)
        kubeconfig = workdir / "kube-proxy.kubeconfig"
        kubeconfig.write_text(
            json.dumps(kubeconfig_for(plane.server, plane.pki.ca_cert, credentials))
        )
        config = workdir / "kube-proxy-config.json"
        config.write_text(json.dumps(kube_proxy_config(kubeconfig)))
        self.proxy_log = workdir / "kube-proxy.log"
        with self.proxy_log.open("wb") as out:
            self.proxy = subprocess.Popen(
                [str(bin_dir / "kube-proxy"), f"--config={config}", "--v=2"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 40) -> str:
        logs = [("kubelet", self.log), ("kube-proxy", self.proxy_log), ("coredns", self.dns_log)]
        return "\n".join(
            f"--- {name} ({path}) ---\n"
            + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            for name, path in logs
            if path is not None and path.is_file()
        )

    def _ready(self, plane: ControlPlane) -> bool:
        ready = '{.status.conditions[?(@.type=="Ready")].status}'
        done = plane.kubectl("get", "node", self.name, "-o", f"jsonpath={ready}")
        return done.stdout.strip() == "True"

    def _wait(self, what: str, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.kubelet.poll() is not None:
                raise NodeUnavailableError(
                    f"kubelet exited ({self.kubelet.returncode}):\n{self.log_tail()}"
                )
            if ready():
                return
            time.sleep(0.5)
        raise NodeUnavailableError(
            f"timed out after {timeout_s}s waiting for {what}:\n{self.log_tail()}"
        )

    def _stop(self, plane: ControlPlane, bin_dir: Path) -> None:
        """Drain and stop the node, then remove what kube-proxy and the kubelet left in iptables."""
        # Pods deleted while the kubelet runs are torn down through CNI (addresses released,
        # the firewall plugin's rules removed); containerd would only kill them.
        plane.kubectl(
            "delete",
            "pods",
            "--all-namespaces",
            f"--field-selector=spec.nodeName={self.name}",
            "--grace-period=2",
            "--timeout=60s",
            timeout=90,
        )
        plane.kubectl("delete", "node", self.name, "--wait=false")
        if self.proxy is not None:
            _terminate(self.proxy)
        _terminate(self.kubelet)
        subprocess.run(
            [str(bin_dir / "kube-proxy"), "--cleanup"], capture_output=True, check=False, timeout=60
        )
        _remove_kubelet_chains()


# The chains the kubelet makes (a canary to notice a flush, and a loopback guard jumped to
# from INPUT and OUTPUT) that `kube-proxy --cleanup` does not remove.
KUBELET_CHAINS = {
    "mangle": ("KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT"),
    "nat": ("KUBE-KUBELET-CANARY",),
    "filter": ("KUBE-KUBELET-CANARY", "KUBE-FIREWALL"),
}


def _remove_kubelet_chains() -> None:
    def iptables(*args: str) -> None:
        subprocess.run(["iptables", *args], capture_output=True, check=False)

    for table, chains in KUBELET_CHAINS.items():
        for chain in chains:
            for hook in ("INPUT", "OUTPUT"):
                iptables("-t", table, "-D", hook, "-j", chain)
            iptables("-t", table, "-F", chain)
            iptables("-t", table, "-X", chain)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def build_image(component: str) -> None:
    """`hack/build-images.sh COMPONENT`, so the node runs what the tree holds (cached layers
    make it quick when nothing changed); a failed build fails the test with its stderr."""
    built = subprocess.run(
        [str(REPO / "hack" / "build-images.sh"), component],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert built.returncode == 0, f"make images failed:\n{built.stderr[-4000:]}"


def pin_namespace(plane: ControlPlane, namespace: str) -> None:
    """Every pod of `namespace` to the real node, whoever makes it (the operator's children too).

    The admission plugins PodNodeSelector and PodTolerationRestriction add the node's label
    selector and a toleration of its taint from these annotations, so the manifests under
    test stay as users apply them.
    """
    toleration = [{"key": TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}]
    done = plane.kubectl(
        "annotate",
        "--overwrite",
        "namespace",
        namespace,
        f"scheduler.alpha.kubernetes.io/node-selector={TAINT_KEY}=true",
        f"scheduler.alpha.kubernetes.io/defaultTolerations={json.dumps(toleration)}",
    )
    if done.returncode != 0:
        raise NodeUnavailableError(f"cannot pin {namespace} to the node: {done.stderr.strip()}")
