"""Risk-guard throughput under concurrent clients: `/v1/check` over HTTP against a real
`crpbot risk-guard serve` process, on SQLite and on PostgreSQL, at 1, 4 and 16 clients.

Each client is one bot: its own account (a first `/v1/equity`, then checks back to back at
one event time) on its own keep-alive HTTP connection, all of them coroutines of this process
(`http_load`, a few percent of one core), so the load generator shares the machine's cores
with the guard (and, on the 2-core machine these figures come from, with whatever else runs:
say so when quoting them). PostgreSQL is the test
fixtures' server (tests/fixtures/postgres.py: a local Debian PostgreSQL run with fsync off,
as the test suite runs it), SQLite a file in a temp folder.

Targets (issue 18): PostgreSQL >= 300 checks/s with p99 < 100 ms at 16 clients; SQLite >=
100 checks/s at 16 clients.

    .venv/bin/python tests/bench/bench_risk_guard_load.py [--seconds 4] [--clients 1 4 16]
        [--backends sqlite postgres] [--workers N]

The guard runs `--workers` processes (default: one per core), each accepting its own share
of the connections (crpbot_workers.risk_guard.processes), the way replicas behind a
Kubernetes Service each take some of the bots.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crpbot.db.engine import upgrade
from tests.bench.guard_bench import HEADERS, TOKEN, bench_databases, check_request, equity_report
from tests.bench.http_load import request_bytes, run_clients
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


def measure(url: str, backend: str, clients: int, seconds: float) -> Load:
    ts = datetime.now(UTC).isoformat()
    tag = f"{backend}-{clients}-{time.monotonic_ns()}"
    accounts = [f"bot-{tag}-{i}" for i in range(clients)]
    requests = [
        (
            request_bytes(url, "/v1/equity", equity_report(account, ts), HEADERS),
            request_bytes(url, "/v1/check", check_request(account, ts), HEADERS),
        )
        for account in accounts
    ]
    started = time.perf_counter()
    tally = run_clients(url, requests, seconds)
    elapsed = time.perf_counter() - started
    ms = np.array(tally.latencies) * 1000
    return Load(
        backend,
        clients,
        len(tally.latencies),
        elapsed,
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 99)),
        len(tally.failures),
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
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="guard worker processes (default: one per core, as `serve --workers` advises)",
    )
    args = parser.parse_args()
    loads: list[Load] = []
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f};"
        f" guard: {args.workers} worker process(es)"
    )
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
