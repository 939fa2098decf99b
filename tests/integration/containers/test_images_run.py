"""Each image runs its service's real entry point under the limits the operator renders:
every command the operator renders for the workers image (risk guard, `scan --once` against
the guard and the model server, Telegram bot) in that image, which has no torch.

A container that is OOM-killed or exits fails its test with its peak memory and limit. The
model fetch (the init container of the model server's and the scanner's pods, also the
workers image) runs on the real node against an S3 server (tests/k8s/test_real_node_path.py);
here its result, the archives, is put in those pods' model store.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator

import pytest

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.signals import recent_signals
from crpbot_model_server.archive import MODEL_NAMES, build_archives
from crpbot_operator.images import Images
from crpbot_workers.cli.runtime import NO_TORCH
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TelegramStandIn
from tests.integration.containers.conftest import BOT, CHAT, MakePod, probe_path, wait_ready
from tests.integration.containers.pods import PodRun, outcome, start, stdout_of, wait_exit

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
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyArtifact:
    folder = tmp_path_factory.mktemp("container-models")
    artifact = build_tiny_artifact(folder, bars=600, window=8)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return artifact


@pytest.fixture
def model_server(
    pod_run: MakePod, config_maps: dict[str, dict[str, str]], tiny_models: TinyArtifact
) -> Iterator[str]:
    """The rendered TorchServe container with the tiny artifact's archives in its model store
    (what the fetch-models init container leaves there), both models' workers up; yields its
    inference URL. Its addresses move to free loopback ports (host network)."""
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
    store = server.workdir / server.name / "model-store"
    for archive in build_archives(tiny_models.model_dir, tiny_models.version, store):
        archive.chmod(0o644)
    start(server)
    base = f"http://127.0.0.1:{inference}"
    wait_ready(server.name, base + probe_path(server.container, "readinessProbe"))
    for name in MODEL_NAMES.values():
        wait_ready(server.name, f"http://127.0.0.1:{management}/models/{name}", ready=_worker_up)
    yield base


def _worker_up(body: bytes) -> bool:
    """A management API description whose model has a worker READY (loaded, answering)."""
    return any(
        worker.get("status") == "READY"
        for version in json.loads(body)
        for worker in version.get("workers", [])
    )


def test_scanner_image_scans_once_against_the_guard_and_model_server_containers(
    risk_guard: tuple[str, PodRun],
    model_server: str,
    pod_run: MakePod,
    tiny_models: TinyArtifact,
    postgres_url: str,
) -> None:
    guard_url, guard = risk_guard
    scanner = pod_run(
        "CronJob",
        f"{BOT}-scanner",
        # Offline inputs: bundled candles at a fixed bar, every bar gated in. The models run
        # in the model-server container, as the rendered `inference: torchserve` says (the
        # workers image has no torch); the guard and the model server are the other
        # containers, reached on the host's loopback.
        args_extra=["--data", "bundled:EURUSD", "--now", NOW, "--json"],
        env_override={
            "CRPBOT_RISK_TOKEN": guard.env()["CRPBOT_RISK_TOKEN"],
            "CRPBOT_RISK__GUARD_URL": guard_url,
            "CRPBOT_TORCHSERVE_URL": model_server,
            "CRPBOT_RISK__MIN_CONFIDENCE": "0.5",
            "CRPBOT_CONFIDENCE__HIGH": "0.5",
            "CRPBOT_CONFIDENCE__MEDIUM": "0.5",
        },
    )
    # The artifact's metadata comes from the archives in the rendered `model_dir`, where the
    # pod's fetch-models init container leaves them (as in the model server's pod).
    store = scanner.workdir / scanner.name / "model-store"
    for archive in build_archives(tiny_models.model_dir, tiny_models.version, store):
        archive.chmod(0o644)
    start(scanner)

    ended = wait_exit(scanner.name, timeout_s=300)

    assert not ended.running and ended.exit_code == 0, ended.describe()
    payload = json.loads(stdout_of(scanner.name))
    (row,) = payload["symbols"]
    assert row["outcome"] == "approved", ended.describe()
    with session_factory(make_engine(postgres_url))() as session:
        (stored,) = recent_signals(session, bot=BOT)
    assert (stored.id, stored.status) == (row["signal_id"], "approved")


def test_model_server_image_answers_ping_with_both_models_loaded(model_server: str) -> None:
    status, body = _get(f"{model_server}/ping")

    assert status == 200 and b"Healthy" in body


def test_telegram_image_answers_a_command_through_the_bot_api_stand_in(
    pod_run: MakePod, telegram_api: TelegramStandIn
) -> None:
    port = free_port()
    bot = pod_run(
        "Deployment",
        f"{BOT}-telegram",
        args_extra=["--host", "127.0.0.1", "--port", str(port)],
        env_override={"CRPBOT_TELEGRAM__BASE_URL": telegram_api.base_url},
    )
    start(bot)
    wait_ready(bot.name, f"http://127.0.0.1:{port}/readyz")

    telegram_api.state.push_command(CHAT, "/help")

    (sent,) = telegram_api.state.wait_sent(1, timeout_s=120)
    assert sent["chat_id"] == CHAT and "/status" in sent["text"], outcome(bot.name).describe()
    assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(
            ["train", "--epochs", "1", "--folds", "1", "--model-dir", "/tmp/m"], id="train"
        ),
        pytest.param(["scan", "--once", "--data", "bundled:EURUSD", "--now", NOW], id="scan"),
        pytest.param(["demo", "--workdir", "/tmp/demo"], id="demo"),
    ],
)
def test_workers_image_command_needing_torch_fails_in_one_line(
    images: Images, tiny_models: TinyArtifact, argv: list[str]
) -> None:
    """The workers image has no torch (its cluster commands never import it): training, an
    in-process scan and the demo stop with the reason, not a traceback."""
    done = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--env",
            "CRPBOT_INFERENCE=inprocess",
            "--env",
            "CRPBOT_MODEL_DIR=/models",
            "--env",
            "CRPBOT_DATABASE_URL=sqlite:////tmp/scan.db",
            "--volume",
            f"{tiny_models.model_dir}:/models:ro",
            images.workers,
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"error: {NO_TORCH}"]
