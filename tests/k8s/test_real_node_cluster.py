"""What pods on the real node get from the cluster: the API server at the `kubernetes`
Service with their ServiceAccount token, cluster DNS names, and claims bound to volumes
(node_services.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.k8s.control_plane import Kubectl
from tests.k8s.node_pods import exit_code, finished, node_pod
from tests.k8s.node_services import hostpath_volume, make_volume_folder
from tests.k8s.real_node import RealNode

pytestmark = [pytest.mark.k8s, pytest.mark.realnode]

# What client libraries do in a pod: the Service's address from the kubelet's environment,
# the token and CA the kubelet mounts. Asks the API who the token belongs to.
WHO_AM_I = """
import json, os, ssl, urllib.request
sa = "/var/run/secrets/kubernetes.io/serviceaccount"
host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
request = urllib.request.Request(
    f"https://{host}:{port}/apis/authentication.k8s.io/v1/selfsubjectreviews",
    data=json.dumps(review).encode(),
    headers={"Authorization": "Bearer " + open(f"{sa}/token").read(),
             "Content-Type": "application/json"},
)
context = ssl.create_default_context(cafile=f"{sa}/ca.crt")
with urllib.request.urlopen(request, context=context, timeout=20) as answer:
    print(json.load(answer)["status"]["userInfo"]["username"])
"""

RESOLVE = """
import json, socket, sys
answers = {}
for name in sys.argv[1:]:
    try:
        answers[name] = socket.gethostbyname(name)
    except OSError as exc:
        answers[name] = type(exc).__name__
print(json.dumps(answers))
"""


def test_real_node_pod_reaches_the_api_server_with_its_service_account_token(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    pod = node_pod("whoami", ["-c", WHO_AM_I], command=["python"])
    pod["spec"]["automountServiceAccountToken"] = True
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(pod))

    done = finished(kubectl, real_node, namespace, "whoami")

    logs = kubectl("logs", "-n", namespace, "whoami")
    assert exit_code(done) == 0, logs
    assert logs.strip() == f"system:serviceaccount:{namespace}:default"


def test_real_node_pod_resolves_service_names_through_cluster_dns(
    real_node: RealNode, kubectl: Kubectl, namespace: str
) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "named"},
        "spec": {"ports": [{"port": 80}]},
    }
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(service))
    ip = kubectl("get", "service", "named", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}")
    names = ["named", f"named.{namespace}.svc.cluster.local", "kubernetes.default", "example.com"]
    kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=json.dumps(node_pod("resolve", ["-c", RESOLVE, *names], command=["python"])),
    )

    done = finished(kubectl, real_node, namespace, "resolve")

    logs = kubectl("logs", "-n", namespace, "resolve")
    assert exit_code(done) == 0, logs
    assert json.loads(logs) == {
        "named": ip,  # the pod's search path: <ns>.svc.cluster.local
        f"named.{namespace}.svc.cluster.local": ip,
        "kubernetes.default": "10.0.0.1",
        "example.com": "gaierror",  # nothing outside the cluster resolves here
    }


def test_real_node_binds_a_claim_to_a_host_volume_the_pod_writes(
    real_node: RealNode, kubectl: Kubectl, namespace: str, tmp_path: Path
) -> None:
    folder = make_volume_folder(tmp_path / "volume")
    volume = hostpath_volume(f"{namespace}-data", folder, namespace, "data")
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    kubectl("apply", "-f", "-", stdin=json.dumps(volume))
    kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(claim))
    write = "open('/data/kept', 'w').write('written in a pod')"
    pod = node_pod("writer", ["-c", write], command=["python"])
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    try:
        kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(pod))
        done = finished(kubectl, real_node, namespace, "writer")

        phase = kubectl("get", "pvc", "data", "-n", namespace, "-o", "jsonpath={.status.phase}")
        assert (exit_code(done), phase) == (0, "Bound"), kubectl("logs", "-n", namespace, "writer")
        assert (folder / "kept").read_text() == "written in a pod"
    finally:
        kubectl("delete", "pod", "writer", "-n", namespace, "--wait=true")
        kubectl("delete", "pv", f"{namespace}-data", "--wait=false")
