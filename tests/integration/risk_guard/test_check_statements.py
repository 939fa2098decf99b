"""What one check costs the database: its statements, counted as the driver receives them.

A check's throughput is set by its round trips and the Python work around each, so the number
is held here: on PostgreSQL the account's lock, one read of everything the rules need, and one
write of the decision with the account row (BEGIN and COMMIT come with the transaction); on
SQLite the same, with the decision and the account row written by two statements, which is
cheap in process. A batch's statements do not grow with its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from crpbot.db.engine import make_engine
from crpbot.db.models import Account, RiskDecision
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
LIMITS = RiskLimits(risk_per_trade_pct=0.1)
CHECK_STATEMENTS = {
    "postgresql": ["SELECT", "SELECT", "WITH"],
    "sqlite": ["BEGIN", "SELECT", "SELECT", "INSERT", "UPDATE"],
}


def _request(minute: int, account: str = "acc", tier: Tier = Tier.LOW) -> CheckRequest:
    ts = T0 + timedelta(minutes=minute)
    return CheckRequest(account, f"S{minute}-USD", Side.LONG, 100.0, 99.99, 0.7, tier, ts)


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: Engine) -> RiskGuardService:
    service = RiskGuardService(engine, LIMITS, clock=lambda: T0 + timedelta(days=1))
    for account in ("acc", "other"):
        service.record_equity(EquityUpdate(account, 100_000.0, 100_000.0, T0))
    return service


@contextmanager
def _statements(engine: Engine) -> Iterator[tuple[list[str], list[str]]]:
    """The first word of every statement sent, and the transactions' begins and commits."""
    sent: list[str] = []
    transactions: list[str] = []

    def on_execute(*args: Any) -> None:
        sent.append(str(args[2]).split()[0])

    def on_begin(_: Any) -> None:
        transactions.append("begin")

    def on_commit(_: Any) -> None:
        transactions.append("commit")

    listeners = [("before_cursor_execute", on_execute), ("begin", on_begin)]
    listeners.append(("commit", on_commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield sent, transactions
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.HIGH])
def test_check_sends_one_lock_one_read_and_one_write(
    engine: Engine, service: RiskGuardService, tier: Tier
) -> None:
    """Approved (the account row's summary changes) or refused (only its clock moves)."""
    for minute in range(6):
        with _statements(engine) as (sent, transactions):
            service.check(_request(minute, tier=tier))
        assert sent == CHECK_STATEMENTS[engine.dialect.name], f"check {minute}"
        assert transactions == ["begin", "commit"]
    expected = {True: 5, False: 1} if tier is Tier.HIGH else {True: 6}
    with engine.connect() as conn:
        stored = conn.execute(
            select(RiskDecision.approved, func.count()).group_by(RiskDecision.approved)
        )
        assert {approved: count for approved, count in stored} == expected
        last_ts = conn.scalar(select(Account.last_ts).where(Account.id == "acc"))
        assert last_ts == T0 + timedelta(minutes=5)


def test_batch_statements_do_not_grow_with_its_size(
    engine: Engine, service: RiskGuardService
) -> None:
    """Two accounts, one event time: each is locked, read and written once, whatever the
    number of checks (all approved: each account gets fewer than its hourly limit)."""
    sent_by_size = {}
    for size in (4, 8, 12):
        accounts = (f"a{size}", f"b{size}")
        for account in accounts:
            service.record_equity(EquityUpdate(account, 100_000.0, 100_000.0, T0))
        batch = [_request(1, account=accounts[i % 2]) for i in range(size)]
        with _statements(engine) as (sent, transactions):
            decisions = service.check_batch(batch)
        assert all(d.approved for d in decisions)
        assert transactions == ["begin", "commit"]
        sent_by_size[size] = sent
    assert sent_by_size[4] == sent_by_size[8] == sent_by_size[12]
