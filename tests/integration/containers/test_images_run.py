"""Each image runs its service's real entry point under the limits the operator renders.

A container that is OOM-killed or exits fails its test with its peak memory and limit.
Known defect while this was written: the risk guard imports torch at start and needs about
900 MiB against its rendered 512 Mi limit, so its tests fail with OOMKilled until the guard
stops importing torch (issue #14).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.signals import recent_signals
from tests.fixtures.artifacts import build_tiny_artifact
from tests.fixtures.ports import free_port
from tests.integration.containers.conftest import BOT, MakePod, probe_path, wait_ready
from tests.integration.containers.pods import PodRun, start, stdout_of, wait_exit

pytestmark = [pytest.mark.containers, pytest.mark.slow, pytest.mark.timeout(3600)]

NOW = "2018-01-22T12:00Z"
"""The close of the 11:00 bar of a Monday in the bundled EUR/USD data (as tests/unit's scan)."""


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status), response.read()


def test_risk_guard_image_serves_health_and_ready_under_its_limits(
    risk_guard: tuple[str, PodRun],
) -> None:
    base, run = risk_guard

    for probe in ("livenessProbe", "readinessProbe"):
        status, _ = _get(base + probe_path(run.container, probe))
        assert status == 200, probe


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("container-models")
    build_tiny_artifact(folder, bars=600, window=8)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def test_scanner_image_scans_once_against_the_guard_container(
    risk_guard: tuple[str, PodRun],
    pod_run: MakePod,
    tiny_models: Path,
    postgres_url: str,
) -> None:
    guard_url, guard = risk_guard
    scanner = pod_run(
        "CronJob",
        f"{BOT}-scanner",
        # Offline inputs: bundled candles at a fixed bar, the tiny artifact in-process, every
        # bar gated in; the guard is the other container, reached on the host's loopback.
        args_extra=["--data", "bundled:EURUSD", "--now", NOW, "--json"],
        env_override={
            "CRPBOT_RISK_TOKEN": guard.env()["CRPBOT_RISK_TOKEN"],
            "CRPBOT_RISK__GUARD_URL": guard_url,
            "CRPBOT_INFERENCE": "inprocess",
            "CRPBOT_MODEL_DIR": "/models",
            "CRPBOT_RISK__MIN_CONFIDENCE": "0.5",
            "CRPBOT_CONFIDENCE__HIGH": "0.5",
            "CRPBOT_CONFIDENCE__MEDIUM": "0.5",
        },
        mounts_extra={"/models": tiny_models},
    )
    start(scanner)

    ended = wait_exit(scanner.name, timeout_s=300)

    assert not ended.running and ended.exit_code == 0, ended.describe()
    payload = json.loads(stdout_of(scanner.name))
    (row,) = payload["symbols"]
    assert row["outcome"] == "approved", ended.describe()
    with session_factory(make_engine(postgres_url))() as session:
        (stored,) = recent_signals(session, bot=BOT)
    assert (stored.id, stored.status) == (row["signal_id"], "approved")


def test_model_server_image_answers_ping_under_its_limits(
    pod_run: MakePod, config_maps: dict[str, dict[str, str]]
) -> None:
    inference, management, metrics = free_port(), free_port(), free_port()
    properties = config_maps[f"{BOT}-config"]["torchserve.properties"]
    for key, port in (
        ("inference_address", inference),
        ("management_address", management),
        ("metrics_address", metrics),
    ):
        properties = re.sub(
            rf"^{key}=.*$", f"{key}=http://127.0.0.1:{port}", properties, flags=re.M
        )
    config_maps[f"{BOT}-config"]["torchserve.properties"] = properties
    server = pod_run("Deployment", f"{BOT}-model-server")
    start(server)

    wait_ready(
        server.name, f"http://127.0.0.1:{inference}{probe_path(server.container, 'readinessProbe')}"
    )
    status, body = _get(f"http://127.0.0.1:{inference}/ping")
    assert status == 200 and b"Healthy" in body
