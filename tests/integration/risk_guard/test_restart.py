"""The guard over real HTTP: state survives a killed process, and a dead guard approves
nothing (the client raises, so the scanner fails closed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from crpbot.risk import CheckRequest, Reason, Side, Tier
from crpbot.scan.ports import RiskGuardRefusedError, RiskGuardUnavailable
from crpbot.services.risk_client import RiskClient
from tests.fixtures.ports import free_port
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def _high(minute: int, account: str = "acc") -> CheckRequest:
    ts = T0 + timedelta(minutes=minute)
    return CheckRequest(account, f"S{minute}-USD", Side.LONG, 100.0, 99.99, 0.8, Tier.HIGH, ts)


def test_guard_state_survives_a_killed_process(
    db_url: str, start_guard: Callable[[str], GuardProcess]
) -> None:
    guard = start_guard(db_url)
    client = RiskClient(guard.url, TOKEN)
    client.equity("acc", 100_000.0, 99_000.0, T0)
    assert all(client.check(_high(i)).approved for i in range(4))
    before = client.state("acc")
    guard.kill()
    with pytest.raises(RiskGuardUnavailable):
        client.check(_high(5))

    client = RiskClient(start_guard(db_url).url, TOKEN)
    assert client.state("acc") == before
    assert before.high_tier_last_hour == 4 and before.equity == 99_000.0
    assert client.check(_high(6)).approved
    refused = client.check(_high(7))
    assert not refused.approved
    assert refused.reasons == (Reason.HIGH_TIER_RATE_LIMIT,)
    with pytest.raises(RiskGuardRefusedError) as stale:
        client.check(_high(1))
    assert stale.value.status == 409


@pytest.mark.parametrize(("token", "status"), [("wrong-token", 401), (None, 401)])
def test_client_refused_without_the_right_token(
    start_guard: Callable[[str], GuardProcess],
    sqlite_url: str,
    token: str | None,
    status: int,
) -> None:
    client = RiskClient(start_guard(sqlite_url).url, token)
    with pytest.raises(RiskGuardRefusedError) as refused:
        client.equity("acc", 100_000.0, 100_000.0, T0)
    assert refused.value.status == status


def test_client_unknown_account_is_refused(
    start_guard: Callable[[str], GuardProcess], sqlite_url: str
) -> None:
    client = RiskClient(start_guard(sqlite_url).url, TOKEN)
    with pytest.raises(RiskGuardRefusedError) as refused:
        client.check(_high(0, account="nobody"))
    assert refused.value.status == 404


def test_client_raises_unavailable_when_nothing_listens() -> None:
    client = RiskClient(f"http://127.0.0.1:{free_port()}", TOKEN, connect_timeout_s=0.5)
    with pytest.raises(RiskGuardUnavailable, match="unreachable"):
        client.check(_high(0))
