"""The model store: an emptyDir at `MODEL_STORE` that `fetch-models` fills before a pod starts.

Two pods need the bot's model archives: the model server loads them, and the scanner reads
the metadata they carry (features, window, calibration, and the model version it pins its
requests to; `crpbot.models.archived`). Both get the same init container with the same
arguments, so the scanner always calibrates with the version the server serves. It runs in
the workers image and copies `<storageUri>/<model>/<version>/*` from the object store into
the emptyDir.

The init container reaches AWS S3 with ambient credentials unless the spec names another
endpoint (MinIO, any S3-compatible store) and a Secret with keys.
"""

from __future__ import annotations

from crpbot_operator.render.common import BotContext, Manifest, harden
from crpbot_operator.render.config import MODEL_STORE
from crpbot_operator.spec import ModelsSpec

MODEL_STORE_VOLUME = "model-store"
# A pod's effective request is the larger of its largest init container and the sum of its
# app containers, so this adds nothing to the model server's or the scanner's footprint.
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
        "volumeMounts": [model_store_mount()],
    }
    env = fetch_env(models)
    if env:
        container["env"] = env
    return harden(container)


def fetch_init_containers(ctx: BotContext) -> list[Manifest]:
    """`fetch-models` when the spec names a `storageUri`; without one the store stays empty."""
    storage_uri = ctx.spec.models.storage_uri
    return [_fetch_container(ctx, storage_uri)] if storage_uri else []


def model_store_volume() -> Manifest:
    return {"name": MODEL_STORE_VOLUME, "emptyDir": {}}


def model_store_mount(read_only: bool = False) -> Manifest:
    mount: Manifest = {"name": MODEL_STORE_VOLUME, "mountPath": MODEL_STORE}
    if read_only:
        mount["readOnly"] = True
    return mount
