"""Real risk-guard processes (`crpbot risk-guard serve` under uvicorn) on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crpbot.db.engine import upgrade
from tests.fixtures.ports import free_port, wait_http
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

CRPBOT = Path(sys.executable).with_name("crpbot")


@pytest.fixture
def migrated_url(db_url: str) -> str:
    upgrade(db_url)
    return db_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A database file that does not exist yet: `serve` creates and migrates it."""
    return f"sqlite:///{tmp_path / 'guard.db'}"


@pytest.fixture
def start_guard(tmp_path: Path) -> Iterator[Callable[..., GuardProcess]]:
    """Start guards on a database URL (extra CLI arguments after it, `settings` as
    `CRPBOT_*` variables); every one still running is stopped afterwards."""
    yield from _guards(tmp_path)


@pytest.fixture(scope="session")
def live_guard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuardProcess]:
    """One guard on its own SQLite file for the session, for tests that only need a live
    server (starting one takes seconds; state they leave behind must not matter)."""
    folder = tmp_path_factory.mktemp("live-guard")
    for start in _guards(folder):
        yield start(f"sqlite:///{folder / 'guard.db'}")


def _guards(tmp_path: Path) -> Iterator[Callable[..., GuardProcess]]:
    started: list[GuardProcess] = []
    env = {**os.environ, "CRPBOT_RISK_TOKEN": TOKEN, "CRPBOT_CONFIG_FILE": ""}

    def start(
        database_url: str, *extra: str, settings: dict[str, str] | None = None
    ) -> GuardProcess:
        port = free_port()
        log = (tmp_path / f"guard-{port}.log").open("wb")
        command = [str(CRPBOT), "risk-guard", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--database-url", database_url, *extra]
        process = subprocess.Popen(
            command, env={**env, **(settings or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        guard = GuardProcess(f"http://127.0.0.1:{port}", process)
        started.append(guard)
        wait_http(f"{guard.url}/healthz", timeout_s=180)
        return guard

    yield start
    for guard in started:
        if guard.process.poll() is None:
            guard.process.terminate()
            guard.process.wait(timeout=15)
