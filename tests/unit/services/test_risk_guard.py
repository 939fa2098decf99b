"""The risk-guard service on a real SQLite file: event time, persistence, one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from crpbot.db.engine import make_engine
from crpbot.db.models import Account, AccountSnapshot, RiskDecision
from crpbot.db.risk_repo import AccountRepo
from crpbot.risk import CheckRequest, FtmoStatus, Reason, RiskLimits, Tier
from crpbot.services.risk_guard import (
    EquityUpdate,
    RiskGuardService,
    StaleEventError,
    UnknownAccountError,
)

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def _count(engine: Engine, model: type[object]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def _open(service: RiskGuardService, balance: float = 100_000.0, ts: datetime = T0) -> None:
    service.record_equity(EquityUpdate("ftmo-1", balance, balance, ts))


def test_record_equity_first_report_sets_initial_balance(service: RiskGuardService) -> None:
    first = service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 99_500.0, T0))
    later = service.record_equity(EquityUpdate("ftmo-1", 120_000.0, 120_000.0, T0))
    assert first.initial_balance == later.initial_balance == 100_000.0
    assert first.equity == 99_500.0
    assert later.balance == 120_000.0


def test_check_before_any_equity_is_an_unknown_account(
    service: RiskGuardService, signal: Callable[..., CheckRequest]
) -> None:
    with pytest.raises(UnknownAccountError):
        service.check(signal())
    with pytest.raises(UnknownAccountError):
        service.state("ftmo-1")


def test_stale_event_is_refused_and_writes_nothing(
    service: RiskGuardService, engine: Engine, signal: Callable[..., CheckRequest]
) -> None:
    _open(service, ts=T0)
    service.check(signal(T0))
    before = (_count(engine, AccountSnapshot), _count(engine, RiskDecision))
    with pytest.raises(StaleEventError):
        service.check(signal(T0 - timedelta(seconds=1)))
    with pytest.raises(StaleEventError):
        service.record_equity(EquityUpdate("ftmo-1", 1.0, 1.0, T0 - timedelta(minutes=1)))
    assert (_count(engine, AccountSnapshot), _count(engine, RiskDecision)) == before
    assert service.check(signal(T0)).approved


def test_check_stores_every_decision_with_its_reasons(
    service: RiskGuardService, engine: Engine, signal: Callable[..., CheckRequest]
) -> None:
    _open(service)
    answers = [service.check(signal(T0 + timedelta(minutes=i))) for i in range(12)]
    assert [a.approved for a in answers] == [True] * 10 + [False] * 2
    assert answers[-1].reasons == (Reason.RATE_LIMIT,)
    with engine.connect() as conn:
        rows = conn.execute(
            select(RiskDecision.approved, RiskDecision.reasons, RiskDecision.size).order_by(
                RiskDecision.id
            )
        ).all()
    assert [r.approved for r in rows] == [a.approved for a in answers]
    assert rows[-1].reasons == ["rate_limit_signals"]
    assert rows[0].size == pytest.approx(100.0)


def test_high_tier_limit_is_per_rolling_hour(
    service: RiskGuardService, signal: Callable[..., CheckRequest]
) -> None:
    _open(service)
    high = [service.check(signal(T0 + timedelta(minutes=i), tier=Tier.HIGH)) for i in range(6)]
    assert [a.approved for a in high] == [True] * 5 + [False]
    assert high[-1].reasons == (Reason.HIGH_TIER_RATE_LIMIT,)
    assert service.check(signal(T0 + timedelta(minutes=7))).approved
    later = T0 + timedelta(hours=1, minutes=1)
    assert service.check(signal(later, tier=Tier.HIGH)).approved


def test_state_survives_a_new_service_on_the_same_file(
    guard_db_url: str, service: RiskGuardService, signal: Callable[..., CheckRequest]
) -> None:
    _open(service)
    for i in range(4):
        service.check(signal(T0 + timedelta(minutes=i), tier=Tier.HIGH))
    before = service.state("ftmo-1")
    restarted_engine = make_engine(guard_db_url)
    try:
        restarted = RiskGuardService(restarted_engine, service.limits)
        assert restarted.state("ftmo-1") == before
        assert before.signals_last_hour == 4 and before.high_tier_last_hour == 4
        assert restarted.check(signal(T0 + timedelta(minutes=5), tier=Tier.HIGH)).approved
        assert not restarted.check(signal(T0 + timedelta(minutes=6), tier=Tier.HIGH)).approved
    finally:
        restarted_engine.dispose()


def test_day_start_balance_is_the_balance_before_prague_midnight(
    service: RiskGuardService,
) -> None:
    # 22:30Z on the 14th is 23:30 in Prague; 23:30Z is already the 15th there
    service.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, T0 - timedelta(days=1)))
    service.record_equity(
        EquityUpdate("ftmo-1", 102_000.0, 101_000.0, datetime(2024, 1, 14, 22, 30, tzinfo=UTC))
    )
    state = service.record_equity(
        EquityUpdate("ftmo-1", 102_000.0, 96_900.0, datetime(2024, 1, 14, 23, 30, tzinfo=UTC))
    )
    assert state.day_start_balance == 102_000.0
    assert state.daily_floor == 97_000.0
    assert state.status is FtmoStatus.HALTED_DAILY


def test_losing_streak_in_the_balance_starts_a_cooldown(
    service: RiskGuardService, signal: Callable[..., CheckRequest]
) -> None:
    _open(service)
    for i, balance in enumerate([99_900.0, 99_800.0, 99_700.0], start=1):
        service.record_equity(EquityUpdate("ftmo-1", balance, balance, T0 + timedelta(minutes=i)))
    answer = service.check(signal(T0 + timedelta(minutes=5)))
    assert answer.reasons == (Reason.COOLDOWN,)
    assert answer.state.cooldown_until == T0 + timedelta(minutes=3, hours=2)
    assert service.check(signal(T0 + timedelta(hours=2, minutes=3))).approved


def test_failure_mid_check_rolls_back_everything(
    service: RiskGuardService,
    engine: Engine,
    signal: Callable[..., CheckRequest],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _open(service)

    def crash(*_: object) -> None:
        raise RuntimeError("killed between decide and store")

    monkeypatch.setattr(AccountRepo, "add_decision", crash)
    with pytest.raises(RuntimeError):
        service.check(signal(T0 + timedelta(minutes=5)))
    monkeypatch.undo()
    assert _count(engine, RiskDecision) == 0
    with engine.connect() as conn:
        assert conn.scalar(select(Account.last_ts)) == T0
    assert service.check(signal(T0 + timedelta(minutes=1))).approved


def test_ready_reflects_database_reachability(service: RiskGuardService) -> None:
    assert service.ready()
    unreachable = make_engine(
        "postgresql://nobody@127.0.0.1:9/nowhere", connect_args={"connect_timeout": 1}
    )
    try:
        assert not RiskGuardService(unreachable, RiskLimits()).ready()
    finally:
        unreachable.dispose()
