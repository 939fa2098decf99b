"""A real, local Kubernetes control plane for tests: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and kwok (one fake node whose pods "run").

The binaries come from `hack/build-control-plane.sh` (the folder in KUBEBUILDER_ASSETS). Every
component runs as a subprocess on free loopback ports with its log in the work folder, and
authenticates with its own client certificate, so RBAC applies as in a real cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.fixtures.ports import free_port
from tests.fixtures.processes import stop_process
from tests.k8s import pki

REPO = Path(__file__).resolve().parents[2]
CRD_DIR = REPO / "manifests" / "crd"
SERVER_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
KWOK_STAGES = "kwok-stages.yaml"  # kwok's own node/pod stages, put there by the build script
BUILD_HINT = "build them with: export KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)"
NODE_NAME = "kwok-node-0"
SERVICE_CIDR = "10.0.0.0/16"
CONTROLLERS = (
    "garbage-collector-controller",
    "cronjob-controller",
    "job-controller",
    "replicaset-controller",
    "deployment-controller",
    # The chart's optional PostgreSQL (a StatefulSet), run on the real node by the path test.
    "statefulset-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "namespace-controller",
    "root-ca-certificate-publisher-controller",
    "disruption-controller",
    "node-lifecycle-controller",
    # Removes the kubernetes.io/pvc-protection finalizer once no pod uses a claim; without it
    # a deleted bot's scanner-data PVC would never go away.
    "persistentvolumeclaim-protection-controller",
    # A Service's backends, which kube-proxy on the real node (real_node.py) routes to.
    "endpointslice-controller",
    # Binds claims to the hostPath volumes the real-node tests make (node_services.py); with
    # no volume offered, a claim stays Pending as before.
    "persistentvolume-binder-controller",
    "persistentvolume-protection-controller",
)
SYNCED_KINDS = ("deployment", "replicaset", "job", "cron-job")
# file stem -> (user, group). The scheduler's identity is granted by the default RBAC policy.
# The controller manager runs every controller under its own identity
# (--use-service-account-credentials=false), which that policy does not cover, so it is a
# cluster admin, as in control planes that run it this way.
CLIENTS = {
    "admin": ("crpbot-test-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", "system:masters"),
    "scheduler": ("system:kube-scheduler", None),
    "kwok": ("kwok-controller", "system:masters"),
    # How the API server authenticates to a real node's kubelet (logs, exec, port-forward).
    "apiserver-kubelet-client": ("kube-apiserver-kubelet-client", "system:masters"),
}


class ControlPlaneError(RuntimeError):
    """The control plane did not come up; the message carries the components' log tails."""


def missing_binaries(assets: str | None) -> str | None:
    """Why the control plane cannot start from `assets`, or None when it can."""
    if not assets:
        return f"KUBEBUILDER_ASSETS is not set; {BUILD_HINT}"
    needed = (*SERVER_BINARIES, KWOK_STAGES)
    absent = [name for name in needed if not (Path(assets) / name).is_file()]
    if absent:
        return f"KUBEBUILDER_ASSETS={assets} lacks {', '.join(absent)}; {BUILD_HINT}"
    if not (Path(assets) / "kubectl").is_file() and shutil.which("kubectl") is None:
        return f"no kubectl in KUBEBUILDER_ASSETS nor on PATH; {BUILD_HINT}"
    return None


@dataclass
class Component:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class ControlPlane:
    workdir: Path
    assets: Path
    server: str
    kubeconfig: Path
    pki: pki.Pki
    components: list[Component] = field(default_factory=list)

    @classmethod
    @contextmanager
    def started(cls, workdir: Path, assets: Path | None = None) -> Iterator[ControlPlane]:
        """Start every component, wait until the cluster schedules onto the fake node, stop all."""
        assets = assets or Path(os.environ["KUBEBUILDER_ASSETS"])
        credentials = pki.generate(workdir / "pki", dict(CLIENTS))
        plane = cls(
            workdir, assets, f"https://127.0.0.1:{free_port()}", workdir / "kubeconfig", credentials
        )
        try:
            try:
                plane._boot()
            except Exception as exc:
                raise ControlPlaneError(f"{exc}\n{plane.log_tails()}") from exc
            yield plane
        finally:
            plane.stop()

    @property
    def kubectl_binary(self) -> str:
        own = self.assets / "kubectl"
        return str(own) if own.is_file() else "kubectl"

    def kubectl(
        self, *args: str, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.kubectl_binary, "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def install_crds(self, directory: Path = CRD_DIR) -> None:
        """Apply every CRD in `directory` and wait until the API serves them."""
        self._must("apply", "--server-side", "-f", str(directory))
        self._must("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for component in self.components:
            text = component.log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {component.name} ({component.log}) ---\n" + "\n".join(text))
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop clients before servers, each fully, so no component logs a dying peer."""
        for component in reversed(self.components):
            stop_process(component.process, grace_s=15)

    def _must(self, *args: str, stdin: str | None = None) -> str:
        done = self.kubectl(*args, stdin=stdin)
        if done.returncode != 0:
            raise ControlPlaneError(f"kubectl {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def _boot(self) -> None:
        etcd_url = self._start_etcd()
        self._start_apiserver(etcd_url)
        self._write_kubeconfigs()
        self._start(
            "kube-controller-manager",
            f"--kubeconfig={self.workdir / 'controller-manager.kubeconfig'}",
            f"--controllers={','.join(CONTROLLERS)}",
            f"--service-account-private-key-file={self.pki.sa_key}",
            f"--root-ca-file={self.pki.ca_cert}",
            "--use-service-account-credentials=false",
            "--leader-elect=false",
            "--secure-port=0",
            "--concurrent-gc-syncs=10",
            # A real cluster spreads this work over many nodes' worth of controllers; here one
            # process serves every bot at once, and its stock client limit (20 requests/s)
            # would pace the benchmark's 300 Deployments instead of the operator.
            "--kube-api-qps=500",
            "--kube-api-burst=1000",
            *(f"--concurrent-{kind}-syncs=20" for kind in SYNCED_KINDS),
        )
        self._start(
            "kube-scheduler",
            f"--kubeconfig={self.workdir / 'scheduler.kubeconfig'}",
            "--leader-elect=false",
            "--secure-port=0",
        )
        self._start(
            "kwok",
            f"--kubeconfig={self.workdir / 'kwok.kubeconfig'}",
            f"--config={self.assets / KWOK_STAGES}",
            "--manage-nodes-with-label-selector=type=kwok",
            "--node-lease-duration-seconds=40",
            f"--server-address=127.0.0.1:{free_port()}",
        )
        self._must("apply", "-f", "-", stdin=json.dumps(_fake_node()))
        self._wait("the kwok node to be Ready", self._node_ready, 60)
        self._wait("default service account", self._has_default_service_account, 60)

    def _start(self, name: str, *args: str) -> None:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(self.assets / name), *args],
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.components.append(Component(name, process, log))

    def _start_etcd(self) -> str:
        client_url = f"http://127.0.0.1:{free_port()}"
        peer_url = f"http://127.0.0.1:{free_port()}"
        self._start(
            "etcd",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--unsafe-no-fsync",
            "--log-level=warn",
        )
        self._wait("etcd /health", lambda: _http_ok(f"{client_url}/health", None), 30)
        return client_url

    def _start_apiserver(self, etcd_url: str) -> None:
        credentials = self.pki
        self._start(
            "kube-apiserver",
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.server.rsplit(':', 1)[1]}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--tls-cert-file={credentials.server_cert}",
            f"--tls-private-key-file={credentials.server_key}",
            f"--client-ca-file={credentials.ca_cert}",
            f"--service-account-key-file={credentials.sa_pub}",
            f"--service-account-signing-key-file={credentials.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--authorization-mode=Node,RBAC",
            # OwnerReferencesPermissionEnforcement: setting blockOwnerDeletion needs update on
            # the owner's finalizers, as on clusters that enforce it (OpenShift among them).
            # PodNodeSelector and PodTolerationRestriction act only on namespaces annotated
            # for them: the real-node path pins a whole namespace's pods (the operator's
            # children among them) to the real node that way (real_node.pin_namespace).
            "--enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement,"
            "PodNodeSelector,PodTolerationRestriction",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            f"--kubelet-client-certificate={credentials.clients['apiserver-kubelet-client'].cert}",
            f"--kubelet-client-key={credentials.clients['apiserver-kubelet-client'].key}",
            # A real node's InternalIP is its address on the pod bridge; its name resolves nowhere.
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            "--endpoint-reconciler-type=none",
            "--profiling=false",
        )
        admin = credentials.clients["admin"]
        context = ssl.create_default_context(cafile=str(credentials.ca_cert))
        context.load_cert_chain(str(admin.cert), str(admin.key))
        self._wait("kube-apiserver /readyz", lambda: _http_ok(f"{self.server}/readyz", context), 90)

    def _write_kubeconfigs(self) -> None:
        for stem, client in self.pki.clients.items():
            path = self.kubeconfig if stem == "admin" else self.workdir / f"{stem}.kubeconfig"
            path.write_text(json.dumps(kubeconfig_for(self.server, self.pki.ca_cert, client)))

    def _node_ready(self) -> bool:
        ready = '{.status.conditions[?(@.type=="Ready")].status}'
        done = self.kubectl("get", "node", NODE_NAME, "-o", f"jsonpath={ready}")
        return done.stdout.strip() == "True"

    def _has_default_service_account(self) -> bool:
        done = self.kubectl("get", "serviceaccount", "default", "-n", "default", "-o", "name")
        return done.returncode == 0

    def _wait(self, what: str, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            dead = [c.name for c in self.components if c.process.poll() is not None]
            if dead:
                raise ControlPlaneError(f"{', '.join(dead)} exited")
            if ready():
                return
            time.sleep(0.2)
        raise ControlPlaneError(f"timed out after {timeout_s}s waiting for {what}")


def _http_ok(url: str, context: ssl.SSLContext | None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def kubeconfig_for(server: str, ca: Path, client: pki.ClientCert) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "crpbot-test", "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [
            {
                "name": "crpbot-test",
                "user": {"client-certificate": str(client.cert), "client-key": str(client.key)},
            }
        ],
        "contexts": [
            {"name": "crpbot-test", "context": {"cluster": "crpbot-test", "user": "crpbot-test"}}
        ],
        "current-context": "crpbot-test",
    }


def _fake_node() -> dict[str, object]:
    """The one node kwok keeps Ready; its pods are marked Running without any container.

    Its capacity is what the scheduler admits against, and nothing really runs: it is sized
    for the operator benchmark's 100 bots (about 0.6 CPU, 1.2 GiB and 3 pods each, plus
    scanner Jobs) with room to spare, so scheduling never caps a measurement of the operator.
    """
    resources = {"cpu": "1000", "memory": "4Ti", "pods": "5000"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "labels": {"type": "kwok", "kubernetes.io/hostname": NODE_NAME},
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "status": {"allocatable": resources, "capacity": resources},
    }


@dataclass(frozen=True)
class Kubectl:
    """The real kubectl against the test cluster, with assertions that show its stderr."""

    plane: ControlPlane

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        done = self.plane.kubectl(*args, stdin=stdin)
        assert done.returncode == 0, f"kubectl {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def fails(self, *args: str, stdin: str | None = None) -> str:
        """Run a command that must be refused; its stderr is the user's error message."""
        done = self.plane.kubectl(*args, stdin=stdin)
        assert done.returncode != 0, f"kubectl {' '.join(args)} succeeded: {done.stdout}"
        return done.stderr
