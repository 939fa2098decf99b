"""Risk-guard check cost against history size: checks/s with 0, 10k and 100k past approvals.

Each check runs the real service on a migrated SQLite file. The account's day summary (trading
days, traded today) is read two ways: by index seeks bounded per day and window (what the
guard does), and by reading every approval the account ever had (what it did before), so the
table shows what a long history costs each way. Decisions are the same either way.

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

from sqlalchemy import Engine, select

from crpbot.db.engine import make_engine, upgrade
from crpbot.db.models import RiskDecision
from crpbot.db.risk_repo import locked_account
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.risk.ftmo import trading_days
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)


def _seed(engine: Engine, approvals: int) -> None:
    service = RiskGuardService(engine, RiskLimits(risk_per_trade_pct=0.01), clock=lambda: NOW)
    first = NOW - timedelta(hours=approvals // 8 + 2)
    service.record_equity(EquityUpdate("acc", 100_000.0, 100_000.0, first))
    rows = [
        {
            "account_id": "acc",
            "ts": first + timedelta(minutes=7.5 * i),
            "symbol": "BTC-USD",
            "side": "long",
            "entry": 100.0,
            "stop": 99.0,
            "confidence": 0.7,
            "tier": "low",
            "approved": True,
            "size": 0.01,
            "reasons": [],
            "created_at": NOW,
        }
        for i in range(approvals)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(RiskDecision.__table__.insert(), rows[start : start + 10_000])


def _bounded(engine: Engine) -> None:
    with locked_account(engine, "acc") as repo:
        repo.trading_days("Europe/Prague")
        repo.approved_since(NOW - timedelta(hours=12))


def _full_history(engine: Engine) -> None:
    with locked_account(engine, "acc") as repo:
        times = list(
            repo._session.scalars(  # the old query, for comparison only
                select(RiskDecision.ts).where(
                    RiskDecision.account_id == "acc", RiskDecision.approved.is_(True)
                )
            )
        )
        trading_days(times, "Europe/Prague")
        any(t >= NOW - timedelta(hours=12) for t in times)


def _rate(action: Callable[[], object], checks: int) -> float:
    started = time.perf_counter()
    for _ in range(checks):
        action()
    return checks / (time.perf_counter() - started)


def _measure(engine: Engine, count: int) -> tuple[float, float, float]:
    service = RiskGuardService(engine, RiskLimits(risk_per_trade_pct=0.01))
    request = CheckRequest("acc", "ETH-USD", Side.LONG, 100.0, 99.0, 0.7, Tier.LOW, NOW)
    checks = _rate(lambda: service.check(request), count)
    bounded = _rate(lambda: _bounded(engine), count)
    full = _rate(lambda: _full_history(engine), max(5, count // 20))
    return checks, bounded, full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    print(f"{'approvals':>10} {'check/s':>9} {'summary/s bounded':>18} {'full history':>13}")
    for approvals in args.history:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'guard.db'}"
            upgrade(url)
            engine = make_engine(url)
            _seed(engine, approvals)
            checks, bounded, full = _measure(engine, args.checks)
            print(f"{approvals:>10} {checks:>9.0f} {bounded:>18.0f} {full:>13.1f}")
            engine.dispose()


if __name__ == "__main__":
    main()
