"""The start script end to end: registry on moto + SQLite → model store → a real TorchServe.

TorchServe is started by `python -m crpbot_model_server.start` itself (that is what is under
test); the config writer, the /ping wait and the process-group stop are the shared helpers of
tests/fixtures/torchserve.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import make_engine, session_factory, upgrade
from crpbot.services.model_registry import ModelRegistry
from crpbot.storage import ObjectStore
from crpbot_model_server.auth import KEY_ENV
from tests.fixtures.artifacts import build_tiny_artifact
from tests.fixtures.ports import free_port
from tests.fixtures.torchserve import (
    NO_JAVA,
    SERVER_KEY,
    TorchServeServer,
    _stop,
    _wait_ping,
    java_available,
    write_config,
)

pytestmark = [
    pytest.mark.torchserve,
    pytest.mark.skipif(not java_available(), reason=NO_JAVA),
]


@dataclass(frozen=True)
class Pushed:
    """A registry holding one promoted version, and the settings a start script needs."""

    registry: ModelRegistry
    version: str
    env: dict[str, str]


@pytest.fixture
def pushed(aws_env: str, tmp_path: Path) -> Pushed:
    from crpbot_model_server.archive import build_archives

    tiny = build_tiny_artifact(tmp_path / "models")
    mars = build_archives(tiny.model_dir, tiny.version, tmp_path / "mars")
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions: sessionmaker[Session] = session_factory(make_engine(url))
    store = ObjectStore("start-script", endpoint_url=aws_env)
    store.ensure_bucket()
    registry = ModelRegistry(store, sessions)
    registry.push(tiny.version, tiny.model_dir / tiny.version, mars)
    registry.promote(tiny.version)
    env = {
        **os.environ,
        "CRPBOT_DATABASE_URL": url,
        "CRPBOT_STORAGE__ENDPOINT_URL": aws_env,
        "CRPBOT_STORAGE__BUCKET": "start-script",
        KEY_ENV: SERVER_KEY,
    }
    return Pushed(registry, tiny.version, env)


@pytest.fixture
def started(pushed: Pushed, tmp_path: Path) -> Iterator[TorchServeServer]:
    """`python -m crpbot_model_server.start` on free ports; the process group is stopped."""
    work, store = tmp_path / "ts", tmp_path / "store"
    work.mkdir()
    ports = (free_port(), free_port(), free_port())
    config = write_config(work / "config.properties", ports, store, load_models="all")
    server = TorchServeServer(
        inference_url=f"http://127.0.0.1:{ports[0]}",
        management_url=f"http://127.0.0.1:{ports[1]}",
        metrics_url=f"http://127.0.0.1:{ports[2]}",
        model_store=store,
        log_dir=work / "logs",
    )
    env = {
        **pushed.env,
        "CRPBOT_MODEL_VERSIONS": "production",
        "TMPDIR": str(work),
        "TEMP": str(work),
        "LOG_LOCATION": str(server.log_dir),
        "METRICS_LOCATION": str(server.log_dir),
    }
    command = [sys.executable, "-m", "crpbot_model_server.start"]
    command += ["--ts-config", str(config), "--model-store", str(store)]
    with (work / "start.log").open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=work, env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        _wait_ping(server, proc)
        yield server
    finally:
        _stop(proc)


def test_start_script_serves_the_production_archives_pulled_from_s3(
    pushed: Pushed, started: TorchServeServer
) -> None:
    assert requests.get(f"{started.inference_url}/ping", timeout=5).json()["status"] == "Healthy"
    stored = sorted(p.name for p in started.model_store.iterdir())
    assert stored == [
        f"crpbot-lstm-{pushed.version}.mar",
        f"crpbot-transformer-{pushed.version}.mar",
    ]
    for model in ("crpbot-lstm", "crpbot-transformer"):
        (described,) = started.describe(model)
        assert described["modelVersion"] == pushed.version
        assert described["workers"], f"{model} has no worker"


def test_start_script_refuses_an_unregistered_version_in_one_line(
    pushed: Pushed, tmp_path: Path
) -> None:
    config = tmp_path / "ts.properties"
    config.write_text("inference_address=http://127.0.0.1:0\n")
    env = {**pushed.env, "CRPBOT_MODEL_VERSIONS": "crpbot-lstm=nope"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crpbot_model_server.start",
            "--ts-config",
            str(config),
            "--model-store",
            str(tmp_path / "store"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: cannot start the model server: crpbot nope is not registered"
    )
