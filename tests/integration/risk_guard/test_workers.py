"""`risk-guard serve --workers N`: N processes on one port, each accepting connections."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures.risk_history import TINY_LONG
from tests.integration.risk_guard.conftest import CRPBOT
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

CLIENTS = 16


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _sockets_on(pid: int, port: int, state: str) -> int:
    """Sockets process `pid` holds whose local port is `port` in TCP `state` (/proc/net/tcp:
    01 established, 0A listening; IPv4)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        if match:
            inodes.add(match.group(1))
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == state and fields[9] in inodes:
            count += 1
    return count


def _workers(guard: GuardProcess) -> list[int]:
    """The guard's worker processes (multiprocessing may add a resource tracker)."""
    return [
        pid
        for pid in _children(guard.process.pid)
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


@pytest.mark.slow
def test_guard_workers_each_accept_some_of_many_connections(
    sqlite_url: str, start_guard: Callable[..., GuardProcess]
) -> None:
    """Bots that connect at once spread over the workers (uvicorn's shared socket left all
    sixteen on one of two)."""
    guard = start_guard(sqlite_url, "--workers", "2")
    port = urlsplit(guard.url).port
    assert port is not None
    workers = _wait_listening(guard, port)
    connections = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(CLIENTS)
    ]
    for connection in connections:
        connection.connect()
    for connection in connections:
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200
    held = [_sockets_on(pid, port, "01") for pid in workers]
    for connection in connections:
        connection.close()
    assert len(workers) == 2
    assert sum(held) == CLIENTS
    assert min(held) >= 1, f"connections per worker: {held}"


def _wait_listening(guard: GuardProcess, port: int) -> list[int]:
    workers = _workers(guard)
    deadline = time.monotonic() + 120
    while not all(_sockets_on(pid, port, "0A") for pid in workers):
        assert time.monotonic() < deadline, "a worker never listened"
        time.sleep(0.2)
    return workers


@pytest.mark.slow
def test_guard_workers_log_as_json_like_the_guard(
    sqlite_url: str, start_guard: Callable[..., GuardProcess], tmp_path: Path
) -> None:
    """A spawned worker starts with no log handler: without the parent's set-up its warnings
    went out as bare text through Python's last-resort handler, outside the JSON lines."""
    guard = start_guard(sqlite_url, "--workers", "2")
    port = urlsplit(guard.url).port
    assert port is not None
    _wait_listening(guard, port)
    body = json.dumps({"account": "acc", **TINY_LONG, "ts": "2099-01-01T00:00:00+00:00"})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connection.request("POST", "/v1/check", body=body, headers=headers)
    assert connection.getresponse().status == 422
    connection.close()
    log = tmp_path / f"guard-{port}.log"
    deadline = time.monotonic() + 10
    while "event time refused" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    refused = [line for line in log.read_text().splitlines() if "event time refused" in line]
    assert refused
    assert [json.loads(line)["level"] for line in refused] == ["warning"]


@pytest.mark.slow
def test_guard_workers_stop_with_the_guard_on_sigterm(
    sqlite_url: str, start_guard: Callable[..., GuardProcess]
) -> None:
    guard = start_guard(sqlite_url, "--workers", "2")
    workers = _workers(guard)
    guard.process.send_signal(signal.SIGTERM)
    assert guard.process.wait(timeout=30) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


@pytest.mark.slow
def test_guard_exits_non_zero_when_a_worker_dies(
    sqlite_url: str, start_guard: Callable[..., GuardProcess]
) -> None:
    """A half-dead guard would keep answering on one worker's share of the connections and
    refuse the rest; it stops whole instead, for the pod or service manager to restart."""
    guard = start_guard(sqlite_url, "--workers", "2")
    first, second = _workers(guard)
    os.kill(first, signal.SIGKILL)
    assert guard.process.wait(timeout=60) != 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{second}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{second}").exists()


def test_guard_workers_refuse_a_port_in_use(sqlite_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [str(CRPBOT), "risk-guard", "serve", "--host", "127.0.0.1", "--port"]
        command += [str(port), "--database-url", sqlite_url, "--workers", "2"]
        result = subprocess.run(
            command,
            env={**os.environ, "CRPBOT_RISK_TOKEN": TOKEN, "CRPBOT_CONFIG_FILE": ""},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
