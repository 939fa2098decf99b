"""The spec model reads the CRD's camelCase and fills the CRD's defaults."""

from __future__ import annotations

import pydantic
import pytest

from crpbot_operator.__main__ import _arguments
from crpbot_operator.images import (
    DEFAULT_MODEL_SERVER,
    DEFAULT_WORKERS,
    Images,
    images_from_env,
    resolve_images,
)
from crpbot_operator.spec import DEFAULT_SCHEDULE, ImagesSpec, TelemetrySpec, parse_spec
from crpbot_operator.telemetry import Telemetry, resolve_telemetry, telemetry_from_env
from tests.unit.operator.conftest import FULL_SPEC


def test_parse_spec_defaults_match_the_crd() -> None:
    spec = parse_spec({})
    assert spec.schedule == DEFAULT_SCHEDULE == "*/2 * * * *"
    assert spec.mode == "observe"
    assert spec.risk.daily_loss_pct == 5
    assert spec.risk.total_loss_pct == 10
    assert spec.risk.signals_per_hour == 10
    assert spec.risk.high_tier_per_hour == 5
    assert spec.suspend is False
    assert spec.telegram is None and spec.database is None


def test_parse_spec_reads_camel_case() -> None:
    spec = parse_spec(FULL_SPEC)
    assert spec.risk.account_size == 50000
    assert spec.risk.high_tier_per_hour == 3
    assert spec.models.storage_uri == "s3://models/crpbot"
    assert spec.models.lstm.version == "v3"
    assert spec.telegram is not None and spec.telegram.allowed_chats == [42, -100]
    assert spec.database is not None and spec.database.secret_ref.name == "db"
    assert spec.model_server.replicas == 2


def test_parse_spec_ignores_unknown_fields() -> None:
    assert parse_spec({"futureField": 1, "symbols": ["ETH-USD"]}).symbols == ["ETH-USD"]


@pytest.mark.parametrize("bad", [{"mode": "live"}, {"risk": {"signalsPerHour": "many"}}])
def test_parse_spec_rejects_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_spec(bad)


def test_images_from_env_and_overrides() -> None:
    assert images_from_env({}) == Images(DEFAULT_WORKERS, DEFAULT_MODEL_SERVER)
    env = {"CRPBOT_IMAGE_WORKERS": "w:9", "CRPBOT_IMAGE_MODEL_SERVER": ""}
    defaults = images_from_env(env)
    assert defaults == Images("w:9", DEFAULT_MODEL_SERVER)
    assert resolve_images(defaults, ImagesSpec(model_server="ts:9")) == Images("w:9", "ts:9")


@pytest.mark.parametrize(
    ("extra", "clusterwide"),
    [([], True), (["--peering", "x"], True), (["-n", "bots"], False), (["--namespace=b"], False)],
)
def test_main_arguments_watch_all_namespaces_unless_one_is_named(
    extra: list[str], clusterwide: bool
) -> None:
    args = _arguments(extra)
    assert args[:3] == ["run", "-m", "crpbot_operator.handlers"]
    assert ("--all-namespaces" in args) is clusterwide
    assert args[len(args) - len(extra) :] == extra


def test_telemetry_from_env_reads_the_workers_variables() -> None:
    assert telemetry_from_env({}) == Telemetry("prometheus", None)
    env = {"CRPBOT_TELEMETRY__EXPORTER": "otlp", "CRPBOT_TELEMETRY__OTLP_ENDPOINT": "http://o:4318"}
    assert telemetry_from_env(env) == Telemetry("otlp", "http://o:4318")
    assert telemetry_from_env({"CRPBOT_TELEMETRY__EXPORTER": ""}) == Telemetry()


def test_telemetry_from_env_refuses_an_unknown_exporter() -> None:
    with pytest.raises(ValueError, match="CRPBOT_TELEMETRY__EXPORTER='zipkin'"):
        telemetry_from_env({"CRPBOT_TELEMETRY__EXPORTER": "zipkin"})


def test_parse_spec_rejects_unknown_telemetry_exporter() -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_spec({"telemetry": {"exporter": "zipkin"}})
    assert resolve_telemetry(Telemetry(), TelemetrySpec()) == Telemetry()


def test_telemetry_from_env_reads_the_monitoring_namespace_selector() -> None:
    assert telemetry_from_env({}).monitoring_namespace_selector == {
        "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
    }
    selector = {"matchLabels": {"team": "observability"}}
    env = {"CRPBOT_MONITORING_NAMESPACE_SELECTOR": '{"matchLabels": {"team": "observability"}}'}
    assert telemetry_from_env(env).monitoring_namespace_selector == selector
    overridden = resolve_telemetry(telemetry_from_env(env), TelemetrySpec(exporter="none"))
    assert overridden.monitoring_namespace_selector == selector


@pytest.mark.parametrize(
    ("raw", "message"),
    [("{not json", "is not JSON"), ('["monitoring"]', "must be a JSON object")],
)
def test_telemetry_from_env_refuses_a_bad_monitoring_selector(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        telemetry_from_env({"CRPBOT_MONITORING_NAMESPACE_SELECTOR": raw})
