"""The risk guard's CPU per check: the guard's own Python work, which sets its throughput.

One process runs the real app in-process (`create_app` on `RiskGuardService`, through httpx's
ASGI transport, so routing, validation, the token gate and serialisation all count) and sends
checks one after another, one per request (`/v1/check`) or 10 and 100 per request
(`/v1/check/batch`, the scanner's path); the process CPU time per check is what one core
spends on a check, client included. Unlike checks/s under concurrent load, it barely moves
when other work shares the machine, so it is the figure to compare across changes;
`cores / cpu_ms` projects the checks/s that many idle cores would serve (PostgreSQL's own CPU
not included).

    .venv/bin/python tests/bench/bench_risk_guard_cpu.py [--checks 500]
        [--backends sqlite postgres] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crpbot.db.engine import make_engine, upgrade
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import setup_telemetry
from crpbot_workers.risk_guard.app import create_app
from tests.bench.guard_bench import HEADERS, TOKEN, bench_databases, check_request, equity_report

CORES = 2


PER_REQUEST = (1, 10, 100)


async def _run(url: str, checks: int, per_request: int, profile: cProfile.Profile | None) -> float:
    """CPU seconds per check over `checks` sequential checks (after a warm-up), sent
    `per_request` to a request."""
    engine = make_engine(url)
    app = create_app(
        RiskGuardService(engine), token=TOKEN, telemetry=setup_telemetry(service="risk-guard")
    )
    ts = datetime.now(UTC).isoformat()
    body = check_request("bot-cpu", ts)
    path, payload = ("/v1/check", body)
    if per_request > 1:
        path, payload = ("/v1/check/batch", {"checks": [body] * per_request})
    requests = max(1, checks // per_request)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://guard") as client:
        equity = equity_report("bot-cpu", ts)
        (await client.post("/v1/equity", json=equity, headers=HEADERS)).raise_for_status()
        for _ in range(max(1, 50 // per_request)):
            (await client.post(path, json=payload, headers=HEADERS)).raise_for_status()
        if profile is not None:
            profile.enable()
        started = time.process_time()
        for _ in range(requests):
            (await client.post(path, json=payload, headers=HEADERS)).raise_for_status()
        spent = time.process_time() - started
        if profile is not None:
            profile.disable()
    engine.dispose()
    return spent / (requests * per_request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--profile", type=Path, help="write a cProfile of the loop here")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    print(
        f"{'backend':>9} {'checks/request':>14} {'cpu ms/check':>12} "
        f"{f'checks/s on {CORES} cores':>22}"
    )
    for backend, url in bench_databases(args.backends, "cpu"):
        upgrade(url)
        for per_request in PER_REQUEST:
            per_check = asyncio.run(_run(url, args.checks, per_request, profile))
            print(
                f"{backend:>9} {per_request:>14} {per_check * 1000:>12.2f} "
                f"{CORES / per_check:>22.0f}"
            )
    if profile is not None:
        profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
