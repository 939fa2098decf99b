"""StatusWriter: one status pass per bot at a time, a burst of child events coalesced."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, cast

import kopf
import pytest

from crpbot_operator.handlers.indexes import BotEntry, BotKey
from crpbot_operator.handlers.status_sync import StatusWriter
from crpbot_operator.reconcile import BotRef
from crpbot_operator.spec import parse_spec
from crpbot_operator.status import DeploymentState

KEY: BotKey = ("bots", "alpha")
ENTRY = BotEntry(BotRef("alpha", "bots", "uid-1", 1, parse_spec({})))
ROLLING = DeploymentState(desired=1, available=0, updated=0, rolled_out=False)


def _index(values: dict[BotKey, list[Any]]) -> Any:
    """A plain dict reads like a Kopf index: `get(key, [])` gives the key's values."""
    return cast(kopf.Index[BotKey, Any], values)


def _messages(status: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["message"] for c in status["conditions"]}


def test_status_writer_coalesces_events_during_a_patch_into_one_pass() -> None:
    first_patch, release = threading.Event(), threading.Event()
    written: list[dict[str, Any]] = []

    def patch(namespace: str, name: str, status: dict[str, Any]) -> None:
        written.append(status)
        if len(written) == 1:
            first_patch.set()
            release.wait(5)

    writer = StatusWriter(patch)
    deployments: dict[BotKey, list[Any]] = {}
    cronjobs: dict[BotKey, list[Any]] = {}
    running = threading.Thread(
        target=writer.sync, args=(ENTRY, _index(deployments), _index(cronjobs))
    )
    running.start()
    assert first_patch.wait(5)
    deployments[KEY] = [("risk-guard", ROLLING)]
    burst = [writer.sync(ENTRY, _index(deployments), _index(cronjobs)) for _ in range(5)]
    assert burst == [False] * 5
    assert len(written) == 1
    release.set()
    running.join(5)
    assert len(written) == 2
    assert "does not exist" in _messages(written[0])["RiskGuardReady"]
    assert _messages(written[1])["RiskGuardReady"] == "0/1 replicas available"


def test_status_writer_skips_the_patch_when_nothing_changed() -> None:
    written: list[dict[str, Any]] = []
    writer = StatusWriter(lambda namespace, name, status: written.append(status))
    assert writer.sync(ENTRY, _index({}), _index({})) is True
    assert writer.sync(ENTRY, _index({}), _index({})) is False
    assert len(written) == 1


def test_status_writer_runs_again_after_a_failed_patch() -> None:
    calls: list[str] = []

    def patch(namespace: str, name: str, status: dict[str, Any]) -> None:
        calls.append(name)
        if len(calls) == 1:
            raise ConnectionError("API server unreachable")

    writer = StatusWriter(patch)
    with pytest.raises(ConnectionError):
        writer.sync(ENTRY, _index({}), _index({}))
    assert writer.sync(ENTRY, _index({}), _index({})) is True
    assert calls == ["alpha", "alpha"]


def test_status_writer_stamps_transitions_with_its_clock() -> None:
    written: list[dict[str, Any]] = []
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    writer = StatusWriter(lambda namespace, name, status: written.append(status), clock=lambda: at)
    writer.sync(ENTRY, _index({}), _index({}))
    (status,) = written
    assert {c["lastTransitionTime"] for c in status["conditions"]} == {"2026-03-02T14:00:00Z"}
