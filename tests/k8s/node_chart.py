"""The chart and the bot's models as the user's path on the real node sets them up
(tests/k8s/test_real_node_path.py): `helm install` with the chart's PostgreSQL into a namespace
pinned to the node, and the bot's `spec.models` naming archives in an S3 store.

The chart's PostgreSQL (`postgresql.enabled=true`) runs as its StatefulSet renders it, on a
hostPath volume pre-bound to its claim, and writes the `crpbot-database` Secret the sample bot
names. Its image is a local stand-in (hack/build-postgres-image.sh: Debian's PostgreSQL 15
with an entrypoint keeping the official image's contract the chart uses), named through
`postgresql.image.*`; the official `postgres` image the chart defaults to cannot be pulled here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crpbot_model_server.archive import build_archives
from tests.fixtures.artifacts import TinyArtifact
from tests.fixtures.chart import CHART, require_tool
from tests.k8s.control_plane import ControlPlane, Kubectl
from tests.k8s.node_path import (
    MODELS_BUCKET,
    MODELS_PREFIX,
    S3_KEYS,
    helm_ok,
    helm_run,
    image_values,
    upload_archives,
)
from tests.k8s.node_services import hostpath_volume
from tests.k8s.real_node import pin_namespace


@contextmanager
def installed_chart(
    control_plane: ControlPlane,
    kubectl: Kubectl,
    namespace: str,
    release: str,
    postgres_image: str,
    volumes: dict[str, Path],
) -> Iterator[None]:
    """The chart, with its PostgreSQL on `postgres_image`, installed as `release` in a new
    `namespace` pinned to the real node, each claim of `volumes` bound to a hostPath volume of
    its folder. Everything is removed afterwards."""
    helm = require_tool("helm")
    kubectl("create", "namespace", namespace)
    try:
        pin_namespace(control_plane, namespace)
        for claim, folder in volumes.items():
            volume = hostpath_volume(f"{namespace}-{claim}", folder, namespace, claim)
            kubectl("apply", "-f", "-", stdin=json.dumps(volume))
        helm_ok(
            helm,
            control_plane,
            "install",
            release,
            str(CHART),
            "--namespace",
            namespace,
            "--set=helmTest.enabled=false",
            *image_values("image", "crpbot/operator"),
            *image_values("workerImages.workers", "crpbot/workers"),
            *image_values("workerImages.modelServer", "crpbot/model-server"),
            "--set=postgresql.enabled=true",
            *image_values("postgresql.image", postgres_image),
        )
        yield
    finally:
        helm_run(helm, control_plane, "uninstall", release, "-n", namespace, "--wait")
        control_plane.kubectl("delete", "namespace", namespace, "--timeout=180s", timeout=200)
        for claim in volumes:
            control_plane.kubectl("delete", "pv", f"{namespace}-{claim}", "--wait=false")


def store_bot_models(
    kubectl: Kubectl,
    namespace: str,
    bot: str,
    s3_url: str,
    models: TinyArtifact,
    folder: Path,
) -> dict[str, bytes]:
    """The artifact's archives (built under `folder`) in the S3 store at `s3_url`, and the
    bot's `spec.models` naming them (endpoint and the Secret with its keys); returns archive
    name -> bytes.

    The same patch suspends the bot's CronJob. With real models its ticks (every 2 minutes,
    live candles that cannot be fetched here) get far enough to report equity to the guard at
    the wall-clock time, which moves the account's event clock past the 2018 bar the offline
    scan Job uses: that Job's checks were then refused as stale (409) whenever a tick came
    first, as it did on a fresh machine where the image imports took minutes."""
    archives = build_archives(models.model_dir, models.version, folder)
    uploaded = upload_archives(s3_url, archives, models.version)
    keys = [f"--from-literal={key}={value}" for key, value in S3_KEYS.items()]
    kubectl("create", "secret", "generic", "models-s3", "-n", namespace, *keys)
    spec = {
        "lstm": {"version": models.version},
        "transformer": {"version": models.version},
        "storageUri": f"s3://{MODELS_BUCKET}/{MODELS_PREFIX}",
        "endpointUrl": s3_url,
        "credentialsSecretRef": {"name": "models-s3"},
    }
    patch = json.dumps({"spec": {"models": spec, "suspend": True}})
    kubectl("patch", "tradingbot", bot, "-n", namespace, "--type=merge", "-p", patch)
    return uploaded
