"""The scanner CronJob the operator renders: schedule and deadlines, suspension, its own
outage alerts off, its data on the bot's claim, and the model server's archives fetched into
its `model_dir`."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from kubernetes.utils.quantity import parse_quantity

from crpbot.config import Settings
from crpbot_operator.render import Manifest
from crpbot_operator.render.scanner import cron_interval_seconds, deadlines
from tests.unit.operator.conftest import (
    FULL_SPEC,
    by_kind_name,
    container_of,
    render,
    spec_with,
)


def test_render_scanner_cronjob(full_children: list[Manifest]) -> None:
    cron = by_kind_name(full_children)[("CronJob", "alpha-scanner")]["spec"]
    assert cron["schedule"] == "*/2 * * * *"
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["suspend"] is False
    assert cron["startingDeadlineSeconds"] < 120
    assert cron["jobTemplate"]["spec"]["activeDeadlineSeconds"] < 120
    assert (cron["successfulJobsHistoryLimit"], cron["failedJobsHistoryLimit"]) == (3, 1)
    container = cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["crpbot", "scan", "--once"]
    assert container["image"] == "example.org/workers:1"


def test_render_scanner_turns_its_own_outage_alerts_off(
    full_children: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    children = by_kind_name(full_children)
    scanner_env = container_of(children[("CronJob", "alpha-scanner")], cronjob=True)["env"]
    plain = {e["name"]: e["value"] for e in scanner_env if "value" in e}
    monkeypatch.setenv("CRPBOT_NOTIFY__OUTAGE_ALERTS", plain["CRPBOT_NOTIFY__OUTAGE_ALERTS"])
    assert Settings().notify.outage_alerts is False
    guard_env = container_of(children[("Deployment", "alpha-risk-guard")])["env"]
    assert "CRPBOT_NOTIFY__OUTAGE_ALERTS" not in {e["name"] for e in guard_env}


def test_render_scanner_suspend_propagates() -> None:
    cron = by_kind_name(render(spec_with(suspend=True)))[("CronJob", "alpha-scanner")]
    assert cron["spec"]["suspend"] is True


@pytest.mark.parametrize(
    ("schedule", "interval"),
    [
        ("* * * * *", 60),
        ("*/2 * * * *", 120),
        ("*/15 * * * *", 900),
        ("*/7 * * * *", 240),
        ("0 * * * *", 3600),
        ("@hourly", 3600),
        ("*/5 1 * * *", 300),
        ("0 9,17 * * *", 8 * 3600),
        ("@daily", 86400),
        ("0 0 * * 1", 7 * 86400),
        ("nonsense", 60),
        ("often a b c d", 60),
    ],
)
def test_cron_interval_seconds_is_the_shortest_gap(schedule: str, interval: int) -> None:
    assert cron_interval_seconds(schedule) == interval
    starting, active = deadlines(schedule)
    assert 0 < starting < interval
    assert 0 < active < interval


def test_render_schedule_change_updates_cronjob_and_deadlines() -> None:
    cron = by_kind_name(render(spec_with(schedule="* * * * *")))[("CronJob", "alpha-scanner")]
    assert cron["spec"]["schedule"] == "* * * * *"
    assert cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] < 60


def test_render_scanner_data_dir_survives_the_pod(full_children: list[Manifest]) -> None:
    """The spool and candles live on the bot's claim, not on the Job pod's scratch space."""
    children = by_kind_name(full_children)
    claim = children[("PersistentVolumeClaim", "alpha-scanner-data")]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    cron = children[("CronJob", "alpha-scanner")]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "alpha-scanner-data"}
    container = container_of(cron, cronjob=True)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CRPBOT_DATA_DIR"].startswith(mounts["data"] + "/")


def _scanner_pod(children: list[Manifest]) -> Manifest:
    cron = by_kind_name(children)[("CronJob", "alpha-scanner")]
    pod: Manifest = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def _model_dir(children: list[Manifest]) -> str:
    """The scanner's `model_dir` as the workers read the rendered settings file."""
    config = by_kind_name(children)[("ConfigMap", "alpha-config")]
    settings = Settings.model_validate(yaml.safe_load(config["data"]["config.yaml"]))
    return str(settings.model_dir)


def _mounted_at(container: Manifest, path: str) -> Manifest:
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path]
    return dict(mount)


def test_render_scanner_model_dir_is_the_store_fetch_models_fills(
    full_children: list[Manifest],
) -> None:
    """The scanner reads its model's metadata at `model_dir` before it scores: that folder
    must be a volume of its pod that an init container filled, not the image's empty /tmp."""
    pod = _scanner_pod(full_children)
    model_dir = _model_dir(full_children)
    (fetch,) = pod["initContainers"]
    volumes = {v["name"]: v for v in pod["volumes"]}

    scanner_mount = _mounted_at(pod["containers"][0], model_dir)
    fetch_mount = _mounted_at(fetch, model_dir)

    assert scanner_mount["name"] == fetch_mount["name"]
    assert volumes[scanner_mount["name"]] == {"name": scanner_mount["name"], "emptyDir": {}}
    assert scanner_mount.get("readOnly") is True
    assert not fetch_mount.get("readOnly")
    assert fetch["command"][3] == model_dir  # FETCH_SCRIPT's DEST


def test_render_scanner_fetches_what_the_model_server_fetches(
    full_children: list[Manifest],
) -> None:
    """Same image, script, storageUri, spec versions, env and resources: the scanner pins its
    requests to the version of the archives the server loads."""
    children = by_kind_name(full_children)
    server = children[("Deployment", "alpha-model-server")]["spec"]["template"]["spec"]
    (scanner_fetch,) = _scanner_pod(full_children)["initContainers"]

    assert scanner_fetch == server["initContainers"][0]
    assert scanner_fetch["image"] == "example.org/workers:1"
    assert scanner_fetch["command"][4] == FULL_SPEC["models"]["storageUri"]
    assert scanner_fetch["args"] == ["lstm", "v3", "transformer", "v2"]


def test_render_scanner_without_storage_uri_mounts_an_empty_store(
    minimal_children: list[Manifest],
) -> None:
    """No archives to fetch: the scanner finds an empty store at `model_dir` and stops with
    the workers' one-line "no trained models in ..." rather than a read-only /tmp path."""
    pod = _scanner_pod(minimal_children)

    assert "initContainers" not in pod
    mount = _mounted_at(pod["containers"][0], _model_dir(minimal_children))
    assert {v["name"]: v for v in pod["volumes"]}[mount["name"]]["emptyDir"] == {}


@pytest.mark.parametrize("part", ["requests", "limits"])
@pytest.mark.parametrize("resource", ["cpu", "memory"])
def test_render_scanner_fetch_fits_within_the_scanner_container(part: str, resource: str) -> None:
    """Init containers run before the scanner, so the pod's footprint is the larger of the
    two: fetching must not raise what the Job's pod asks of the node."""
    pod = _scanner_pod(render(spec_with()))
    (fetch,) = pod["initContainers"]
    scanner: dict[str, Any] = pod["containers"][0]["resources"]

    wanted = parse_quantity(fetch["resources"][part][resource])

    assert wanted <= parse_quantity(scanner[part][resource])
