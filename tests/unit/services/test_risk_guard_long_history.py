"""A check reads only its window: how long an account has traded changes neither its decision
nor its cost. The whole-history figures (trading days, lowest equity) come from the running
summary on the account row, which a database upgraded from before it gets from migration
0004's backfill; that is how the long histories here are written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from crpbot.db.engine import make_engine
from crpbot.risk import CheckRequest, Decision, RiskLimits, Side, Tier
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from tests.fixtures.risk_history import approval, report, seed_upgraded_history

START = datetime(2023, 3, 20, tzinfo=UTC)  # a week before a DST switch
LIMITS = RiskLimits(risk_per_trade_pct=0.1)
REQUEST = CheckRequest("ftmo-1", "ETH-USD", Side.LONG, 100.0, 99.0, 0.7, Tier.HIGH, START)


class _StepCounter:
    """Counts SQLite virtual-machine steps: the work a statement does, which grows with the
    rows it visits and, unlike wall time, does not depend on the machine's load."""

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self) -> int:
        self.steps += 1
        return 0  # non-zero would abort the statement


def _engine_with_history(tmp_path: Path, history_days: int) -> Engine:
    """`history_days` of 10 approvals and 10 equity reports a day, ending two days before
    START: outside every window of a check at START, so the windows read the same rows."""
    url = f"sqlite:///{tmp_path / f'guard-{history_days}.db'}"
    first = START - timedelta(days=history_days + 2)
    stamps = [first + timedelta(days=d, hours=h) for d in range(history_days) for h in range(10)]
    seed_upgraded_history(
        url,
        {"ftmo-1": 100_000.0},
        [report("ftmo-1", ts, 100_000.0, 99_000.0 + ts.hour) for ts in stamps],
        [approval("ftmo-1", ts) for ts in stamps],
    )
    return make_engine(url)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[dict[int, Engine]]:
    engines = {days: _engine_with_history(tmp_path, days) for days in (0, 300)}
    yield engines
    for engine in engines.values():
        engine.dispose()


def _decide(engine: Engine) -> Decision:
    service = RiskGuardService(engine, LIMITS)
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, START))
    return service.check(REQUEST)


def test_decision_with_a_long_history_equals_the_one_without_it(
    history: dict[int, Engine],
) -> None:
    long, short = _decide(history[300]), _decide(history[0])
    assert long.approved and long.state.trading_days == 301
    assert short.state.trading_days == 1
    assert (long.approved, long.reasons, long.size) == (short.approved, short.reasons, short.size)


def _check_cost(engine: Engine, checks: int = 5) -> int:
    counter = _StepCounter()
    event.listen(engine, "connect", lambda conn, _record: conn.set_progress_handler(counter, 1))
    engine.dispose()  # pooled connections were opened before the counter was installed
    service = RiskGuardService(engine, LIMITS)
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, START))
    service.check(REQUEST)  # first use compiles and caches statements
    counter.steps = 0
    for _ in range(checks):
        service.check(REQUEST)
    return counter.steps


def test_check_cost_does_not_grow_with_history(history: dict[int, Engine]) -> None:
    """3,000 past approvals and reports must cost the check (almost) nothing: reading per
    trading day or scanning every report would multiply its work."""
    short, long = _check_cost(history[0]), _check_cost(history[300])
    assert long <= short * 1.25, f"{long} VM steps with 300 days of history vs {short} without"
