"""`RiskGuardService.check_batch` decides like the same checks one by one, in batch order:
a property over random batches (accounts, event times, tiers, stops), each run on two fresh
databases (one batched, one checked singly)."""

from __future__ import annotations

import itertools
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpbot.db.engine import make_engine, upgrade
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.risk.batch import batch_order
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from tests.unit.services.conftest import T0

LIMITS = RiskLimits(risk_per_trade_pct=0.5, signals_per_hour=4, high_tier_per_hour=2)
ACCOUNTS = ("acc-a", "acc-b")
_runs = itertools.count()

checks = st.builds(
    CheckRequest,
    account=st.sampled_from(ACCOUNTS),
    symbol=st.sampled_from(["BTC-USD", "ETH-USD", "SOL-USD"]),
    side=st.sampled_from(list(Side)),
    entry=st.just(100.0),
    stop=st.sampled_from([99.0, 97.0, 90.0]),
    confidence=st.just(0.7),
    tier=st.sampled_from(list(Tier)),
    ts=st.integers(0, 90).map(lambda minutes: T0 + timedelta(minutes=minutes)),
).map(lambda r: r if r.side is Side.LONG else _short(r))


def _short(request: CheckRequest) -> CheckRequest:
    return CheckRequest(
        request.account,
        request.symbol,
        request.side,
        request.entry,
        2 * request.entry - request.stop,
        request.confidence,
        request.tier,
        request.ts,
    )


def _service(template: Path, folder: Path) -> RiskGuardService:
    folder.mkdir(parents=True)
    shutil.copy(template, folder / "guard.db")
    return RiskGuardService(
        make_engine(f"sqlite:///{folder / 'guard.db'}"),
        LIMITS,
        clock=lambda: T0 + timedelta(days=1),
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database whose accounts have their first equity report, copied per example."""
    path = tmp_path_factory.mktemp("batch-template") / "guard.db"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    seed = RiskGuardService(engine, LIMITS, clock=lambda: T0 + timedelta(days=1))
    for account in ACCOUNTS:
        seed.record_equity(EquityUpdate(account, 100_000.0, 100_000.0, T0))
    engine.dispose()  # checkpoints the WAL into the file that gets copied
    return path


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(checks, min_size=1, max_size=14))
def test_batch_equals_single_checks_in_batch_order(
    tmp_path: Path, template: Path, batch: list[CheckRequest]
) -> None:
    run = tmp_path / f"run-{next(_runs)}"
    batched, single = _service(template, run / "batched"), _service(template, run / "single")

    decisions = batched.check_batch(batch)
    expected = {i: single.check(batch[i]) for i in batch_order(batch)}

    assert decisions == [expected[i] for i in range(len(batch))]
    for account in ACCOUNTS:
        assert batched.state(account) == single.state(account)
