"""Risk-guard check cost against history size: checks/s with 0, 10k and 100k past approvals.

Each size gets its own SQLite file, written as a database from before the running summary
(revision 0003: every past approval plus one equity report per approval) and then upgraded,
so the table also shows what migration 0004's backfill costs. A check reads only its window
and the account row's running summary, so checks/s should stay flat as history grows; before
the summary it fell with every trading day (one index seek per day) and every report (a scan
for the lowest equity).

    .venv/bin/python tests/bench/bench_risk_guard.py [--history 0 10000 100000] [--checks 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crpbot.db.engine import make_engine
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from tests.fixtures.risk_history import approval, report, seed_upgraded_history

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
LIMITS = RiskLimits(risk_per_trade_pct=0.01)


def _seed(url: str, approvals: int) -> float:
    """History of `approvals` approvals (8 an hour, ~520 Prague days for 100k) and as many
    equity reports, ending before the check's windows; returns the upgrade's seconds."""
    first = NOW - timedelta(hours=approvals // 8 + 26)
    stamps = [first + timedelta(minutes=7.5 * i) for i in range(approvals)]
    reports = [report("acc", ts, 100_000.0, 99_000.0 + i % 900) for i, ts in enumerate(stamps)]
    started = time.perf_counter()
    seed_upgraded_history(url, {"acc": 100_000.0}, reports, [approval("acc", t) for t in stamps])
    return time.perf_counter() - started


def _rate(action: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)


def _measure(url: str, count: int) -> tuple[float, float, int]:
    engine = make_engine(url)
    try:
        service = RiskGuardService(engine, LIMITS, clock=lambda: NOW)
        update = EquityUpdate("acc", 100_000.0, 100_000.0, NOW)
        reports = _rate(lambda: service.record_equity(update), count)
        request = CheckRequest("acc", "ETH-USD", Side.LONG, 100.0, 99.0, 0.7, Tier.LOW, NOW)
        checks = _rate(lambda: service.check(request), count)
        return checks, reports, service.state("acc").trading_days
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    print(f"{'approvals':>10} {'days':>5} {'upgrade s':>10} {'check/s':>8} {'equity/s':>9}")
    for approvals in args.history:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'guard.db'}"
            upgrade_s = _seed(url, approvals)
            checks, reports, days = _measure(url, args.checks)
            print(f"{approvals:>10} {days:>5} {upgrade_s:>10.1f} {checks:>8.0f} {reports:>9.0f}")


if __name__ == "__main__":
    main()
