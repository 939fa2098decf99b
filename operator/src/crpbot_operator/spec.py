"""The TradingBot spec as the operator reads it.

It mirrors the CRD schema in `manifests/crd/`: the API server already applied defaults and
validation, so this model repeats the defaults only to make rendering total when it is fed a
partial spec (unit tests, an older stored object). Unknown fields are ignored so a newer CRD
does not break an older operator.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DEFAULT_SCHEDULE = "*/2 * * * *"


class _Camel(BaseModel):
    """Fields are snake_case in Python and camelCase in the custom resource."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class SecretKeyRef(_Camel):
    """A key inside a Secret of the bot's namespace."""

    name: str
    key: str


class SecretRefHolder(_Camel):
    secret_ref: SecretKeyRef


class ModelVersion(_Camel):
    version: str = "latest"


class SecretNameRef(_Camel):
    """A whole Secret of the bot's namespace, whose keys have fixed names."""

    name: str


class ModelsSpec(_Camel):
    """Which trained models the model server loads, and where their archives live.

    `endpoint_url` and `credentials_secret_ref` point the archive download at an
    S3-compatible store other than AWS (MinIO, a self-hosted gateway) or give it keys
    where no ambient credentials exist."""

    lstm: ModelVersion = Field(default_factory=ModelVersion)
    transformer: ModelVersion = Field(default_factory=ModelVersion)
    storage_uri: str | None = None
    endpoint_url: str | None = None
    credentials_secret_ref: SecretNameRef | None = None


class RiskSpec(_Camel):
    account_size: float = 100_000.0
    daily_loss_pct: float = 5.0
    total_loss_pct: float = 10.0
    signals_per_hour: int = 10
    high_tier_per_hour: int = 5
    min_confidence: float = 0.55


class TelegramSpec(_Camel):
    secret_ref: SecretKeyRef | None = None
    allowed_chats: list[int] = Field(default_factory=list)
    admin_users: list[int] = Field(default_factory=list)
    api_base_url: str | None = None


class ResourceList(_Camel):
    cpu: str | None = None
    memory: str | None = None


class Resources(_Camel):
    requests: ResourceList = Field(default_factory=ResourceList)
    limits: ResourceList = Field(default_factory=ResourceList)


class ModelServerSpec(_Camel):
    replicas: int = 1
    resources: Resources = Field(default_factory=Resources)


class ImagesSpec(_Camel):
    """Per-bot image overrides; unset fields fall back to the operator's defaults."""

    workers: str | None = None
    model_server: str | None = None


class TelemetrySpec(_Camel):
    """Per-bot metrics export; unset fields fall back to the operator's defaults."""

    exporter: Literal["prometheus", "otlp", "none"] | None = None
    otlp_endpoint: str | None = None


class TradingBotSpec(_Camel):
    symbols: list[str] = Field(default_factory=lambda: ["BTC-USD"])
    granularity: str = "ONE_HOUR"
    schedule: str = DEFAULT_SCHEDULE
    mode: Literal["observe", "paper"] = "observe"
    models: ModelsSpec = Field(default_factory=ModelsSpec)
    risk: RiskSpec = Field(default_factory=RiskSpec)
    telegram: TelegramSpec | None = None
    database: SecretRefHolder | None = None
    model_server: ModelServerSpec = Field(default_factory=ModelServerSpec)
    images: ImagesSpec = Field(default_factory=ImagesSpec)
    telemetry: TelemetrySpec = Field(default_factory=TelemetrySpec)
    suspend: bool = False


def parse_spec(raw: dict[str, Any] | Any) -> TradingBotSpec:
    """Read the custom resource's `spec` (a plain mapping or Kopf's read-only view)."""
    return TradingBotSpec.model_validate(dict(raw or {}))
