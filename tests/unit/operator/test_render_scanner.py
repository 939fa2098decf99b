"""The scanner CronJob the operator renders: schedule and deadlines, suspension, its own
outage alerts off, and its data on the bot's claim."""

from __future__ import annotations

import pytest

from crpbot.config import Settings
from crpbot_operator.render import Manifest
from crpbot_operator.render.scanner import cron_interval_seconds, deadlines
from tests.unit.operator.conftest import by_kind_name, container_of, render, spec_with


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
