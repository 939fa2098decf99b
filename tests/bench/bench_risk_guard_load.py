"""Risk-guard throughput under concurrent clients: `/v1/check` over HTTP against a real
`crpbot risk-guard serve` process, on SQLite and on PostgreSQL, at 1, 4 and 16 clients.

Each client is one bot: its own account (a first `/v1/equity`, then checks back to back at
one event time), its own keep-alive HTTP connection, in a thread of this process, so the
load generator shares the machine's cores with the guard (and, on the 2-core machine these
figures come from, with whatever else runs: say so when quoting them). PostgreSQL is the test
fixtures' server (tests/fixtures/postgres.py: a local Debian PostgreSQL run with fsync off,
as the test suite runs it), SQLite a file in a temp folder.

Targets (issue 18): PostgreSQL >= 300 checks/s with p99 < 100 ms at 16 clients; SQLite >=
100 checks/s at 16 clients.

    .venv/bin/python tests/bench/bench_risk_guard_load.py [--seconds 4] [--clients 1 4 16]
        [--backends sqlite postgres] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crpbot.db.engine import upgrade
from tests.bench.guard_bench import HEADERS, TOKEN, bench_databases, check_request, equity_report
from tests.fixtures.ports import free_port, wait_http

CRPBOT = Path(sys.executable).with_name("crpbot")
TARGETS = {"postgres": (300.0, 100.0), "sqlite": (100.0, None)}
"""backend -> (checks/s, p99 ms or None) at the largest client count."""


@dataclass(frozen=True)
class Load:
    backend: str
    clients: int
    checks: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int

    @property
    def rate(self) -> float:
        return self.checks / self.seconds


@contextmanager
def guard(database_url: str, workers: int, folder: Path) -> Iterator[str]:
    """A guard process on `database_url`; yields its base URL."""
    upgrade(database_url)
    port = free_port()
    env = {**os.environ, "CRPBOT_RISK_TOKEN": TOKEN, "CRPBOT_CONFIG_FILE": ""}
    command = [str(CRPBOT), "risk-guard", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--database-url", database_url, "--no-migrate"]
    if workers > 1:
        command += ["--workers", str(workers)]
    with (folder / f"guard-{port}.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout_s=120)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _client(
    url: str, account: str, until: float, ts: str, latencies: list[float], failures: list[int]
) -> None:
    session = requests.Session()
    equity = equity_report(account, ts)
    session.post(f"{url}/v1/equity", json=equity, headers=HEADERS, timeout=30).raise_for_status()
    body = check_request(account, ts)
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = session.post(f"{url}/v1/check", json=body, headers=HEADERS, timeout=30)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append(response.status_code)


def measure(url: str, backend: str, clients: int, seconds: float) -> Load:
    ts = datetime.now(UTC).isoformat()
    latencies: list[float] = []
    failures: list[int] = []
    until = time.perf_counter() + seconds
    tag = f"{backend}-{clients}-{time.monotonic_ns()}"
    threads = [
        threading.Thread(
            target=_client, args=(url, f"bot-{tag}-{i}", until, ts, latencies, failures)
        )
        for i in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return Load(
        backend,
        clients,
        len(latencies),
        elapsed,
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 99)),
        len(failures),
    )


def verdicts(loads: list[Load]) -> list[str]:
    lines = []
    for backend, (rate, p99) in TARGETS.items():
        mine = [load for load in loads if load.backend == backend]
        if not mine:
            continue
        top = max(mine, key=lambda load: load.clients)
        ok = top.rate >= rate and (p99 is None or top.p99_ms < p99) and not top.failed
        goal = f">= {rate:.0f} checks/s" + (f", p99 < {p99:.0f} ms" if p99 else "")
        lines.append(
            f"{'PASS' if ok else 'FAIL'} risk guard {backend} at {top.clients} clients: "
            f"{top.rate:.0f} checks/s, p99 {top.p99_ms:.1f} ms (target {goal})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, default=0, help="guard workers (0: its default)")
    args = parser.parse_args()
    loads: list[Load] = []
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(
        f"{'backend':>9} {'clients':>7} {'checks/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    with tempfile.TemporaryDirectory() as logs:
        for backend, url in bench_databases(args.backends, "bench"):
            with guard(url, args.workers, Path(logs)) as base:
                for clients in args.clients:
                    load = measure(base, backend, clients, args.seconds)
                    loads.append(load)
                    print(
                        f"{backend:>9} {clients:>7} {load.rate:>9.0f} {load.p50_ms:>7.1f}"
                        f" {load.p99_ms:>7.1f} {load.failed:>6}"
                    )
    for line in verdicts(loads):
        print(line)


if __name__ == "__main__":
    main()
