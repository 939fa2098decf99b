"""Concurrent callers cannot exceed a limit: checks race on one account, in threads against
the service, and from threads against two guard processes (two replicas) on one database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crpbot.db.engine import make_engine
from crpbot.db.models import Account, RiskDecision
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.services.risk_client import RiskClient
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from tests.fixtures.concurrency import race
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
CALLERS = 24


def _request(i: int) -> CheckRequest:
    tier = Tier.HIGH if i % 2 == 0 else Tier.LOW
    # 0.01% stop distance keeps each risk tiny: only the rate limits can bind
    return CheckRequest("acc", f"S{i % 8}-USD", Side.LONG, 100.0, 99.99, 0.7, tier, T0)


def _race(work: Callable[[int], bool], callers: int = CALLERS) -> list[tuple[int, bool]]:
    return list(enumerate(race(work, callers)))


def _assert_limits(results: list[tuple[int, bool]]) -> None:
    approved = [i for i, ok in results if ok]
    high = [i for i in approved if _request(i).tier is Tier.HIGH]
    assert len(approved) == 10
    assert len(high) <= 5


def test_concurrent_checks_never_exceed_the_rate_limits(migrated_url: str) -> None:
    engine = make_engine(migrated_url, pool_size=CALLERS, max_overflow=0)
    service = RiskGuardService(engine, RiskLimits())
    service.record_equity(EquityUpdate("acc", 100_000.0, 100_000.0, T0))
    try:
        results = _race(lambda i: service.check(_request(i)).approved)
        _assert_limits(results)
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).where(RiskDecision.approved.is_(True)))
            assert stored == 10
            assert conn.scalar(select(func.count()).select_from(RiskDecision)) == CALLERS
            summary = conn.execute(select(Account.trading_days, Account.last_approval_ts)).one()
            assert tuple(summary) == (1, T0), "ten racing approvals make one trading day"
    finally:
        engine.dispose()


def test_concurrent_first_reports_create_one_account(migrated_url: str) -> None:
    engine = make_engine(migrated_url, pool_size=8, max_overflow=0)
    service = RiskGuardService(engine, RiskLimits())

    def report(i: int) -> bool:
        update = EquityUpdate("fresh", 100_000.0 + i, 100_000.0 + i, T0)
        return service.record_equity(update).initial_balance > 0

    try:
        assert all(ok for _, ok in _race(report, callers=8))
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Account)) == 1
        states = {service.record_equity(EquityUpdate("fresh", 1.0, 1.0, T0)).initial_balance}
        assert len(states) == 1
    finally:
        engine.dispose()


def test_concurrent_reports_keep_the_lowest_equity(migrated_url: str) -> None:
    """The running minimum is read and written under the account's lock: a lost update
    would forget a dip, and with it a sticky total-loss breach."""
    engine = make_engine(migrated_url, pool_size=8, max_overflow=0)
    service = RiskGuardService(engine, RiskLimits())
    service.record_equity(EquityUpdate("acc", 100_000.0, 100_000.0, T0))

    def report(i: int) -> bool:
        service.record_equity(EquityUpdate("acc", 100_000.0, 95_000.0 + 100 * i, T0))
        return True

    try:
        _race(report, callers=8)
        with engine.connect() as conn:
            assert conn.scalar(select(Account.lowest_equity)) == 95_000.0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_two_guard_replicas_share_the_limits(
    postgres_url: str, start_guard: Callable[[str], GuardProcess]
) -> None:
    replicas = [start_guard(postgres_url), start_guard(postgres_url)]
    clients = [RiskClient(g.url, TOKEN, read_timeout_s=30) for g in replicas]
    clients[0].equity("acc", 100_000.0, 100_000.0, T0)
    results = _race(lambda i: clients[i % 2].check(_request(i)).approved)
    _assert_limits(results)
    state = clients[1].state("acc")
    assert (state.signals_last_hour, state.trading_days) == (10, 1)


@pytest.mark.slow
def test_two_guard_replicas_share_the_limits_with_batches(
    postgres_url: str, start_guard: Callable[[str], GuardProcess]
) -> None:
    """Batches and single checks racing on one account through two replicas: the batch's one
    transaction holds the account's row lock, so together they still approve exactly ten."""
    replicas = [start_guard(postgres_url), start_guard(postgres_url)]
    clients = [RiskClient(g.url, TOKEN, read_timeout_s=30) for g in replicas]
    clients[0].equity("acc", 100_000.0, 100_000.0, T0)

    def work(i: int) -> list[bool]:
        client = clients[i % 2]
        if i % 3 == 0:
            return [client.check(_request(i)).approved]
        batch = [_request(i * 4 + k) for k in range(4)]
        return [answer.approved for answer in client.check_batch(batch)]

    answers = race(work, 12)
    requests = [
        [_request(i)] if i % 3 == 0 else [_request(i * 4 + k) for k in range(4)] for i in range(12)
    ]
    pairs = [
        (r, ok)
        for rs, oks in zip(requests, answers, strict=True)
        for r, ok in zip(rs, oks, strict=True)
    ]
    approved = [r for r, ok in pairs if ok]
    assert len(approved) == 10
    assert sum(r.tier is Tier.HIGH for r in approved) <= 5
    state = clients[1].state("acc")
    assert (state.signals_last_hour, state.trading_days) == (10, 1)


@pytest.mark.slow
def test_a_guard_with_two_workers_keeps_the_limits(
    postgres_url: str, start_guard: Callable[..., GuardProcess]
) -> None:
    """`--workers 2`: two processes behind one port are two replicas, and decide as such."""
    guard = start_guard(postgres_url, "--workers", "2")
    client = RiskClient(guard.url, TOKEN, read_timeout_s=30)
    client.equity("acc", 100_000.0, 100_000.0, T0)
    _assert_limits(_race(lambda i: client.check(_request(i)).approved))
    assert client.state("acc").signals_last_hour == 10
