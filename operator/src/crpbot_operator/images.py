"""Which container images a bot's children run.

The operator's deployment pins the defaults through environment variables so one operator
release rolls out matching worker and model-server images; a bot may override either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crpbot_operator.spec import ImagesSpec

WORKERS_ENV = "CRPBOT_IMAGE_WORKERS"
MODEL_SERVER_ENV = "CRPBOT_IMAGE_MODEL_SERVER"
DEFAULT_WORKERS = "ghcr.io/crpbot/workers:0.1.0"
DEFAULT_MODEL_SERVER = "ghcr.io/crpbot/model-server:0.1.0"


@dataclass(frozen=True)
class Images:
    workers: str
    model_server: str


def images_from_env(env: Mapping[str, str]) -> Images:
    """The operator-wide defaults; an empty variable counts as unset."""
    return Images(
        workers=env.get(WORKERS_ENV) or DEFAULT_WORKERS,
        model_server=env.get(MODEL_SERVER_ENV) or DEFAULT_MODEL_SERVER,
    )


def resolve_images(defaults: Images, overrides: ImagesSpec) -> Images:
    """A bot's own images: its overrides where given, the operator's defaults otherwise."""
    return Images(
        workers=overrides.workers or defaults.workers,
        model_server=overrides.model_server or defaults.model_server,
    )
