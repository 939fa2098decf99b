"""Migration 0004's backfill on both backends: Prague calendar days (not UTC dates) around
the daylight-saving switches, the newest approval and the lowest equity; a downgrade drops
the summary and upgrading again recomputes it from the rows, which were kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crpbot.db.engine import make_engine, upgrade
from crpbot.db.risk_repo import locked_account
from crpbot.risk.ftmo import trading_days
from tests.fixtures.db import downgrade
from tests.fixtures.risk_history import BEFORE_SUMMARY, approval, report, seed_upgraded_history


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Approval times per account, and the Prague trading days they make.
CASES: dict[str, tuple[list[datetime], int]] = {
    # 23:59 CET and 00:00 CET the next day: two Prague days, one UTC date
    "spring-midnight": ([_utc(2024, 3, 30, 22, 59), _utc(2024, 3, 30, 23, 0)], 2),
    # 21:59 and 22:00 UTC on the day the clocks went forward: CEST midnight lies between
    "spring-cest": ([_utc(2024, 3, 31, 21, 59), _utc(2024, 3, 31, 22, 0)], 2),
    # 23:30 and 00:30 UTC after the clocks went back: both on 28 October in Prague
    "autumn-same-day": ([_utc(2024, 10, 27, 23, 30), _utc(2024, 10, 28, 0, 30)], 1),
    "none": ([], 0),
}


@pytest.mark.parametrize("account", sorted(CASES))
def test_upgrade_counts_prague_days_on_both_backends(db_url: str, account: str) -> None:
    times, days = CASES[account]
    assert trading_days(times, "Europe/Prague") == days, "the case itself is right"
    start = _utc(2024, 3, 1)
    seed_upgraded_history(
        db_url,
        {account: 100_000.0},
        [report(account, start, 100_000.0, 97_500.0), report(account, start, 1e5, 1e5)],
        [approval(account, ts) for ts in times] + [approval(account, start, approved=False)],
    )
    for step in ("upgraded", "upgraded again after a downgrade"):
        engine = make_engine(db_url)
        try:
            with locked_account(engine, account) as repo:
                summary = (repo.trading_days, repo.last_approval_ts, repo.lowest_equity)
        finally:
            engine.dispose()
        assert summary == (days, max(times, default=None), 97_500.0), step
        downgrade(db_url, BEFORE_SUMMARY)
        upgrade(db_url)
