"""`hack/kind-up.sh` brings up a working kind cluster here (tests/integration/kind/conftest.py).

The pods use the busybox image the locally built node image ships as kind's local-path helper
(hack/build-kind-node.sh): no registry is reachable, and it is already in every node.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.kind.conftest import KindCluster

BUSYBOX = "docker.io/kindest/local-path-helper:v20260131-7181c60a"
GREETING = "crpbot-kind"
SERVE = f"echo {GREETING} > /tmp/index.html && exec busybox httpd -f -p 8080 -h /tmp"
WAIT = "240s"

WEB_AND_CLIENT = f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, labels: {{app: web}}}}
spec:
  nodeSelector: {{crpbot.io/role: control-plane}}
  tolerations: [{{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}}]
  containers:
    - name: web
      image: {BUSYBOX}
      imagePullPolicy: Never
      command: [sh, -c, "{SERVE}"]
      readinessProbe: {{tcpSocket: {{port: 8080}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: batch/v1
kind: Job
metadata: {{name: client}}
spec:
  backoffLimit: 20
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {{crpbot.io/role: worker}}
      containers:
        - name: client
          image: {BUSYBOX}
          imagePullPolicy: Never
          command: [busybox, wget, -q, -O, "-", "http://web.default.svc.cluster.local/index.html"]
"""

pytestmark = [pytest.mark.kind, pytest.mark.slow]


def test_kind_up_nodes_and_system_pods_are_ready(kind_cluster: KindCluster) -> None:
    nodes = kind_cluster.run(
        "wait", "--for=condition=Ready", "nodes", "--all", f"--timeout={WAIT}", timeout=300
    )
    assert nodes.returncode == 0, nodes.stderr
    listed = json.loads(kind_cluster.run("get", "nodes", "-o", "json").stdout)
    roles = sorted(n["metadata"]["labels"]["crpbot.io/role"] for n in listed["items"])
    assert roles == ["control-plane", "worker"]
    for namespace, selector in [
        ("kube-system", "k8s-app=kube-dns"),
        ("kube-system", "k8s-app=kube-proxy"),
        ("local-path-storage", "app=local-path-provisioner"),
    ]:
        ready = kind_cluster.run(
            "wait",
            "-n",
            namespace,
            "--for=condition=Ready",
            "pods",
            "-l",
            selector,
            f"--timeout={WAIT}",
            timeout=300,
        )
        assert ready.returncode == 0, f"{namespace}/{selector}: {ready.stderr}"


def test_kind_up_pod_on_worker_reaches_service_on_control_plane_by_name(
    kind_cluster: KindCluster,
) -> None:
    applied = kind_cluster.run("apply", "-f", "-", stdin=WEB_AND_CLIENT)
    assert applied.returncode == 0, applied.stderr
    done = kind_cluster.run(
        "wait", "--for=condition=Complete", "job/client", f"--timeout={WAIT}", timeout=300
    )
    events = kind_cluster.run("get", "events", "--sort-by=.lastTimestamp").stdout
    assert done.returncode == 0, f"{done.stderr}\n{events}"
    assert kind_cluster.run("logs", "job/client").stdout.strip() == GREETING
