"""Migration 0004 summarises each account's existing history on its row: the trading-day
count (Prague calendar days, across daylight-saving switches), the newest approval and the
lowest equity, exactly as reading the whole history gives them."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.db.engine import make_engine
from crpbot.db.risk_repo import locked_account
from crpbot.risk.ftmo import trading_days
from tests.fixtures.risk_history import approval, report, seed_upgraded_history

# the nights Prague's clocks change, where a UTC date and a Prague date differ most
DST_EVES = [datetime(2024, 3, 30, 12, tzinfo=UTC), datetime(2024, 10, 26, 12, tzinfo=UTC)]


@dataclass(frozen=True)
class Past:
    approved: list[datetime]
    rejected: list[datetime]
    reports: list[tuple[datetime, float]]


@st.composite
def pasts(draw: st.DrawFn) -> Past:
    base = draw(st.sampled_from(DST_EVES))
    moments = st.integers(0, 4 * 24 * 60).map(lambda m: base + timedelta(minutes=m))
    return Past(
        draw(st.lists(moments, max_size=30)),
        draw(st.lists(moments, max_size=5)),
        draw(st.lists(st.tuples(moments, st.floats(50_000, 150_000)), min_size=1)),
    )


@settings(max_examples=30, deadline=None)
@given(accounts=st.lists(pasts(), min_size=1, max_size=3))
def test_upgrade_summarises_each_account_as_reading_its_whole_history(
    accounts: list[Past],
) -> None:
    named = {f"acc-{n}": past for n, past in enumerate(accounts)}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'guard.db'}"
        seed_upgraded_history(
            url,
            dict.fromkeys(named, 100_000.0),
            [report(n, ts, 100_000.0, eq) for n, p in named.items() for ts, eq in p.reports],
            [approval(n, ts) for n, p in named.items() for ts in p.approved]
            + [approval(n, ts, approved=False) for n, p in named.items() for ts in p.rejected],
        )
        engine = make_engine(url)
        try:
            for name, past in named.items():
                with locked_account(engine, name) as repo:
                    assert repo.trading_days == trading_days(past.approved, "Europe/Prague")
                    assert repo.last_approval_ts == max(past.approved, default=None)
                    assert repo.lowest_equity == min(eq for _, eq in past.reports)
        finally:
            engine.dispose()
