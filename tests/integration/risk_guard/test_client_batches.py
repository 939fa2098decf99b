"""`RiskClient.check_batch` over a guard whose `risk.max_batch_checks` is smaller than the
batch: the client splits it, in the guard's decision order, and the answers are those of one
batch on a guard without the cap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crpbot.risk import CheckRequest, Side, Tier
from crpbot.scan.ports import RiskGuardRefusedError
from crpbot.services.risk_client import RiskClient
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def _requests() -> list[CheckRequest]:
    """Two accounts, two event times, high and low tiers, listed out of the decision order:
    enough approvals that both rate limits bind across the round trips."""
    requests = []
    for i in range(22):
        account = ("acc-b", "acc-a")[i % 2]
        ts = T0 + timedelta(minutes=10 * ((i // 2) % 2))
        tier = Tier.HIGH if i % 3 else Tier.LOW
        requests.append(CheckRequest(account, f"S{i}-USD", Side.LONG, 100.0, 99.99, 0.7, tier, ts))
    return requests[::-1]


def _guard_with_accounts(start: Callable[..., GuardProcess], url: str, **settings: str) -> str:
    guard = start(url, settings=settings)
    client = RiskClient(guard.url, TOKEN)
    for account in ("acc-a", "acc-b"):
        client.equity(account, 100_000.0, 100_000.0, T0)
    return guard.url


@pytest.mark.slow
def test_client_splits_a_batch_over_the_guards_cap_and_answers_as_one_batch(
    tmp_path: Path, start_guard: Callable[..., GuardProcess]
) -> None:
    capped = _guard_with_accounts(
        start_guard, f"sqlite:///{tmp_path / 'capped.db'}", CRPBOT_RISK__MAX_BATCH_CHECKS="4"
    )
    reference = _guard_with_accounts(start_guard, f"sqlite:///{tmp_path / 'reference.db'}")
    requests = _requests()

    with pytest.raises(RiskGuardRefusedError) as refused:
        RiskClient(capped, TOKEN).check_batch(requests)
    got = RiskClient(capped, TOKEN, max_batch=4).check_batch(requests)
    want = RiskClient(reference, TOKEN).check_batch(requests)

    # Over the cap in count (422) or, first, in the body cap it sets (413): refused whole.
    assert refused.value.status in (413, 422)
    assert [(a.approved, a.reasons, a.size) for a in got] == [
        (a.approved, a.reasons, a.size) for a in want
    ]
    assert 0 < sum(a.approved for a in got) < len(requests), "the limits bind in the batch"
