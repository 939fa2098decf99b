"""The TorchServe model server: a Deployment and its Service.

The model archives are copied from the bot's `storageUri` into an emptyDir by an init
container before TorchServe starts, so the server image stays generic and a new model
version is a spec change (which rolls the pods), not an image build.

Inference needs the bot's model-server key (`<bot>-model-server-key`, created once by the
operator like the risk token): the handler refuses requests without it, and the scanner's
CronJob gets the same Secret. The management API listens on 127.0.0.1 only.

The init container reaches AWS S3 with ambient credentials unless the spec names another
endpoint (MinIO, any S3-compatible store) and a Secret with keys.
"""

from __future__ import annotations

from crpbot_operator.render.common import (
    COMPONENT_MODEL_SERVER,
    CONFIG_DIR,
    METRICS_PORT_NAME,
    MODEL_SERVER_METRICS_PORT,
    MODEL_SERVER_PORT,
    BotContext,
    Manifest,
    harden,
    metadata,
    model_server_key_env,
    pod_spec,
    pod_template,
    resources,
    selector_labels,
)
from crpbot_operator.render.config import MODEL_STORE
from crpbot_operator.spec import ModelsSpec, ResourceList, Resources

MODEL_SERVER_RESOURCES = Resources(
    requests=ResourceList(cpu="500m", memory="1Gi"),
    limits=ResourceList(cpu="2", memory="2Gi"),
)
FETCH_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}

# `python -c SCRIPT DEST URI MODEL VERSION ...`: copies `<URI>/<MODEL>/<VERSION>/*` to DEST.
FETCH_SCRIPT = """
import sys
from pathlib import Path
from urllib.parse import urlparse
from crpbot.storage.s3 import ObjectStore
dest, uri = Path(sys.argv[1]), urlparse(sys.argv[2])
store = ObjectStore(uri.netloc)
for model, version in zip(sys.argv[3::2], sys.argv[4::2]):
    prefix = "/".join(p for p in (uri.path.strip("/"), model, version) if p)
    store.download_prefix(prefix, dest)
""".strip()


# The keys a credentials Secret holds: the AWS SDK's own variable names, so one Secret serves
# the AWS CLI, MinIO's clients and this init container alike.
CREDENTIAL_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def fetch_env(models: ModelsSpec) -> list[Manifest]:
    """The object store's endpoint and keys as boto3 reads them from the environment
    (AWS_ENDPOINT_URL_S3 since botocore 1.31). The keys come from the Secret by reference:
    their values never pass through the operator, its logs or the rendered objects."""
    env: list[Manifest] = []
    if models.endpoint_url:
        env.append({"name": "AWS_ENDPOINT_URL_S3", "value": models.endpoint_url})
    if models.credentials_secret_ref is not None:
        secret = models.credentials_secret_ref.name
        env.extend(
            {"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
            for key in CREDENTIAL_KEYS
        )
    return env


def _fetch_container(ctx: BotContext, storage_uri: str) -> Manifest:
    models = ctx.spec.models
    container: Manifest = {
        "name": "fetch-models",
        "image": ctx.images.workers,
        "command": ["python", "-c", FETCH_SCRIPT, MODEL_STORE, storage_uri],
        "args": ["lstm", models.lstm.version, "transformer", models.transformer.version],
        "resources": FETCH_RESOURCES,
        "volumeMounts": [{"name": "model-store", "mountPath": MODEL_STORE}],
    }
    env = fetch_env(models)
    if env:
        container["env"] = env
    return harden(container)


def _server_container(ctx: BotContext) -> Manifest:
    probe = {"httpGet": {"path": "/ping", "port": "http"}}
    return {
        "name": "torchserve",
        "image": ctx.images.model_server,
        "command": [
            "torchserve",
            "--start",
            "--foreground",
            "--ncs",
            "--ts-config",
            f"{CONFIG_DIR}/torchserve.properties",
        ],
        "env": [
            {"name": "LOG_LOCATION", "value": "/tmp/logs"},
            {"name": "METRICS_LOCATION", "value": "/tmp/logs"},
            {"name": "TEMP", "value": "/tmp"},
            model_server_key_env(ctx),
        ],
        "ports": [
            {"name": "http", "containerPort": MODEL_SERVER_PORT},
            {"name": METRICS_PORT_NAME, "containerPort": MODEL_SERVER_METRICS_PORT},
        ],
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {**probe, "initialDelaySeconds": 30, "periodSeconds": 10},
        "resources": resources(ctx.spec.model_server.resources, MODEL_SERVER_RESOURCES),
        "volumeMounts": [{"name": "model-store", "mountPath": MODEL_STORE}],
    }


def render_model_server(ctx: BotContext) -> list[Manifest]:
    name = ctx.child(COMPONENT_MODEL_SERVER)
    pod = pod_spec(
        ctx,
        name,
        [_server_container(ctx)],
        extra_volumes=[{"name": "model-store", "emptyDir": {}}],
    )
    storage_uri = ctx.spec.models.storage_uri
    if storage_uri:
        pod["initContainers"] = [_fetch_container(ctx, storage_uri)]
    deployment: Manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(ctx, COMPONENT_MODEL_SERVER),
        "spec": {
            "replicas": ctx.spec.model_server.replicas,
            "selector": {"matchLabels": selector_labels(ctx, COMPONENT_MODEL_SERVER)},
            "template": pod_template(ctx, COMPONENT_MODEL_SERVER, pod),
        },
    }
    service: Manifest = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(ctx, COMPONENT_MODEL_SERVER),
        "spec": {
            "selector": selector_labels(ctx, COMPONENT_MODEL_SERVER),
            "ports": [{"name": "http", "port": MODEL_SERVER_PORT, "targetPort": "http"}],
        },
    }
    return [deployment, service]
