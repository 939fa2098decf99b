"""Where the bot's pods reach services outside the cluster: the object store its model
archives come from and the Telegram Bot API, both changeable from the spec."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from crpbot.config import Settings
from crpbot_operator.render import Manifest
from tests.unit.operator.conftest import FULL_SPEC, by_kind_name, render, spec_with

# The pods whose model store `fetch-models` fills: the model server and the scanner.
FETCHING = [("Deployment", "alpha-model-server"), ("CronJob", "alpha-scanner")]


def _fetch(children: list[Manifest], owner: tuple[str, str] = FETCHING[0]) -> Manifest:
    child = by_kind_name(children)[owner]
    template = (
        child["spec"]["jobTemplate"]["spec"]["template"]
        if child["kind"] == "CronJob"
        else child["spec"]["template"]
    )
    (init,) = template["spec"]["initContainers"]
    assert init["name"] == "fetch-models"
    return dict(init)


def _models(**extra: Any) -> dict[str, Any]:
    return spec_with(models={**FULL_SPEC["models"], **extra})


def _settings(children: list[Manifest]) -> Settings:
    config = by_kind_name(children)[("ConfigMap", "alpha-config")]
    return Settings.model_validate(yaml.safe_load(config["data"]["config.yaml"]))


@pytest.mark.parametrize("owner", FETCHING, ids=lambda owner: owner[1])
def test_render_fetch_models_reaches_the_named_endpoint_with_secret_keys(
    owner: tuple[str, str],
) -> None:
    children = render(
        _models(
            endpointUrl="http://minio.minio.svc:9000",
            credentialsSecretRef={"name": "models-s3"},
        )
    )

    env = {item["name"]: item for item in _fetch(children, owner)["env"]}

    assert env["AWS_ENDPOINT_URL_S3"] == {
        "name": "AWS_ENDPOINT_URL_S3",
        "value": "http://minio.minio.svc:9000",
    }
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        # By reference only: the kubelet reads the Secret, the operator never holds a key.
        assert env[key] == {
            "name": key,
            "valueFrom": {"secretKeyRef": {"name": "models-s3", "key": key}},
        }


@pytest.mark.parametrize("owner", FETCHING, ids=lambda owner: owner[1])
@pytest.mark.parametrize(
    ("extra", "names"),
    [
        ({}, set()),
        ({"endpointUrl": "https://s3.example.org"}, {"AWS_ENDPOINT_URL_S3"}),
        (
            {"credentialsSecretRef": {"name": "models-s3"}},
            {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
        ),
    ],
)
def test_render_fetch_models_env_holds_only_what_the_spec_names(
    extra: dict[str, Any], names: set[str], owner: tuple[str, str]
) -> None:
    fetch = _fetch(render(_models(**extra)), owner)

    assert {item["name"] for item in fetch.get("env", [])} == names


def test_render_store_credentials_reach_no_other_container() -> None:
    children = render(_models(credentialsSecretRef={"name": "models-s3"}))

    holders = [
        (child["metadata"]["name"], container["name"])
        for child in children
        if child["kind"] in ("Deployment", "CronJob")
        for container in _all_containers(child)
        if any(
            (item.get("valueFrom") or {}).get("secretKeyRef", {}).get("name") == "models-s3"
            for item in container.get("env", [])
        )
    ]

    assert holders == [("alpha-model-server", "fetch-models"), ("alpha-scanner", "fetch-models")]


def _all_containers(child: Manifest) -> list[Manifest]:
    template = (
        child["spec"]["jobTemplate"]["spec"]["template"]
        if child["kind"] == "CronJob"
        else child["spec"]["template"]
    )
    pod = template["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_render_telegram_api_base_url_reaches_the_workers_settings() -> None:
    telegram = {**FULL_SPEC["telegram"], "apiBaseUrl": "http://10.88.0.1:8081/bot"}

    settings = _settings(render(spec_with(telegram=telegram)))

    assert settings.telegram.base_url == "http://10.88.0.1:8081/bot"


@pytest.mark.parametrize(
    "spec",
    [FULL_SPEC, {"symbols": ["BTC-USD"], "database": FULL_SPEC["database"]}],
    ids=["telegram-without-url", "no-telegram"],
)
def test_render_telegram_api_base_url_defaults_to_the_workers_default(
    spec: dict[str, Any],
) -> None:
    config = by_kind_name(render(spec))[("ConfigMap", "alpha-config")]

    assert "base_url" not in yaml.safe_load(config["data"]["config.yaml"])["telegram"]
    assert _settings(render(spec)).telegram.base_url == "https://api.telegram.org/bot"
