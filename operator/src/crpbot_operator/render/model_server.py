"""The TorchServe model server: a Deployment and its Service.

The model archives are copied from the bot's `storageUri` into an emptyDir by an init
container before TorchServe starts, so the server image stays generic and a new model
version is a spec change (which rolls the pods), not an image build (`model_store`; the
scanner's pod gets the same init container).

Inference needs the bot's model-server key (`<bot>-model-server-key`, created once by the
operator like the risk token): the handler refuses requests without it, and the scanner's
CronJob gets the same Secret. The management API listens on 127.0.0.1 only.
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
    metadata,
    model_server_key_env,
    pod_spec,
    pod_template,
    resources,
    selector_labels,
)
from crpbot_operator.render.model_store import (
    fetch_init_containers,
    model_store_mount,
    model_store_volume,
)
from crpbot_operator.spec import ResourceList, Resources

MODEL_SERVER_RESOURCES = Resources(
    requests=ResourceList(cpu="500m", memory="1Gi"),
    limits=ResourceList(cpu="2", memory="2Gi"),
)


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
        "volumeMounts": [model_store_mount()],
    }


def render_model_server(ctx: BotContext) -> list[Manifest]:
    name = ctx.child(COMPONENT_MODEL_SERVER)
    pod = pod_spec(
        ctx,
        name,
        [_server_container(ctx)],
        extra_volumes=[model_store_volume()],
    )
    init = fetch_init_containers(ctx)
    if init:
        pod["initContainers"] = init
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
