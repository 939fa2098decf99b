from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.mapping import column_values
from crpbot.db.models import Signal
from crpbot.db.repos.signals import (
    get_signal,
    recent_signals,
    save_signal,
    save_signals,
    set_signal_status,
    set_signal_statuses,
)
from tests.fixtures.db import T0, make_signal

Sessions = sessionmaker[Session]


def _count(sessions: Sessions) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Signal)) or 0


def test_save_signal_rerun_of_a_cycle_stores_nothing_new(sessions: Sessions) -> None:
    with sessions.begin() as session:
        first = save_signal(session, make_signal())
    with sessions.begin() as session:
        again = save_signal(session, make_signal(status="approved", confidence=0.99))
    assert first.created and not again.created
    assert again.id == first.id
    assert _count(sessions) == 1
    with sessions() as session:
        stored = get_signal(session, first.id)
    assert stored is not None and stored.status == "pending_risk" and stored.confidence == 0.61


@pytest.mark.parametrize(
    "change",
    [
        {"bot": "other"},
        {"symbol": "ETH-USD"},
        {"bar_ts": T0 + timedelta(hours=1)},
        {"model_version": "lstm-2+tf-1"},
    ],
    ids=["bot", "symbol", "bar_ts", "model_version"],
)
def test_save_signal_each_key_column_makes_a_new_signal(sessions: Sessions, change: dict) -> None:
    with sessions.begin() as session:
        save_signal(session, make_signal())
        assert save_signal(session, make_signal(**change)).created
    assert _count(sessions) == 2


def test_save_signal_same_instant_in_another_zone_is_the_same_key(sessions: Sessions) -> None:
    tokyo = T0.astimezone(timezone(timedelta(hours=9)))
    with sessions.begin() as session:
        first = save_signal(session, make_signal())
        again = save_signal(session, make_signal(bar_ts=tokyo))
    assert (again.id, again.created) == (first.id, False)


def test_signal_unique_key_is_enforced_by_the_database(sessions: Sessions) -> None:
    with sessions.begin() as session:
        save_signal(session, make_signal())
    with pytest.raises(IntegrityError), sessions.begin() as session:
        # Same key, other values, written past save_signal's own check for the key.
        clash = make_signal(entry=1.0, stop=0.9, target=1.2, tier="low", status="error")
        session.execute(sa.insert(Signal).values(**column_values(clash)))


def test_signal_round_trips_every_field_with_aware_utc_times(sessions: Sessions) -> None:
    record = make_signal(reasons=("rate_limit", "daily_floor"))
    with sessions.begin() as session:
        saved = save_signal(session, record)
    with sessions() as session:
        stored = get_signal(session, saved.id)
    assert stored is not None
    assert stored == make_signal(id=saved.id, reasons=("rate_limit", "daily_floor"))
    for stamp in (stored.bar_ts, stored.expiry, stored.created_at):
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)


def test_set_signal_status_records_the_verdict(sessions: Sessions) -> None:
    with sessions.begin() as session:
        saved = save_signal(session, make_signal())
        set_signal_status(session, saved.id, "rejected", reasons=["daily_floor"])
    with sessions() as session:
        stored = get_signal(session, saved.id)
    assert stored is not None
    assert (stored.status, stored.reasons) == ("rejected", ("daily_floor",))


def test_set_signal_status_unknown_id_raises(sessions: Sessions) -> None:
    with pytest.raises(LookupError), sessions.begin() as session:
        set_signal_status(session, 12345, "approved")


def test_signal_status_outside_the_vocabulary_is_refused(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as session:
        save_signal(session, make_signal(status="maybe"))


def test_recent_signals_newest_first_with_filters(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for hour in range(4):
            status = "approved" if hour % 2 else "rejected"
            save_signal(session, make_signal(bar_ts=T0 + timedelta(hours=hour), status=status))
        save_signal(session, make_signal(bot="other", bar_ts=T0 + timedelta(hours=9)))
    with sessions() as session:
        newest = recent_signals(session, bot="demo", limit=2)
        approved = recent_signals(session, bot="demo", status="approved")
        since = recent_signals(session, since=T0 + timedelta(hours=3))
    assert [s.bar_ts.hour for s in newest] == [17, 16]
    assert [s.bar_ts.hour for s in approved] == [17, 15]
    assert {(s.bot, s.bar_ts.hour) for s in since} == {("demo", 17), ("other", 23)}
    assert all(s.bar_ts.tzinfo == UTC for s in since)


def test_save_signals_returns_each_keys_stored_row_in_order_first_write_wins(
    sessions: Sessions,
) -> None:
    earlier = make_signal(symbol="ETH-USD", status="approved", reasons=("ok",))
    with sessions.begin() as session:
        first = save_signal(session, earlier)
    batch = [
        make_signal(symbol="SOL-USD"),
        make_signal(symbol="ETH-USD", confidence=0.99),  # its key is stored: kept as it was
        make_signal(symbol="BTC-USD", bar_ts=T0.astimezone(timezone(timedelta(hours=9)))),
    ]
    with sessions.begin() as session:
        stored = save_signals(session, batch)
    assert [s.symbol for s in stored] == ["SOL-USD", "ETH-USD", "BTC-USD"]
    assert stored[1] == replace(earlier, id=first.id)
    assert stored[0] == replace(batch[0], id=stored[0].id)
    assert stored[2].bar_ts == T0 and stored[2].bar_ts.tzinfo == UTC
    assert len({s.id for s in stored}) == 3 and _count(sessions) == 3


def test_save_signals_same_as_one_by_one_across_select_chunks(sessions: Sessions) -> None:
    """More keys than one SELECT looks up, with other bots' and bars' rows around them."""
    records = [
        make_signal(symbol=f"S{i:04d}-USD", bar_ts=T0 + timedelta(hours=i % 3))
        for i in range(1_100)
    ]
    with sessions.begin() as session:
        save_signal(session, make_signal(bot="other", symbol="S0000-USD"))
        save_signal(session, make_signal(symbol="S0001-USD", bar_ts=T0 + timedelta(hours=7)))
        stored = save_signals(session, records)
    assert [(s.symbol, s.bar_ts) for s in stored] == [(r.symbol, r.bar_ts) for r in records]
    assert all(s.bot == "demo" for s in stored)
    assert _count(sessions) == 1_102


def test_save_signals_of_nothing_stores_nothing(sessions: Sessions) -> None:
    with sessions.begin() as session:
        assert save_signals(session, []) == []
    assert _count(sessions) == 0


def test_set_signal_statuses_records_every_verdict(sessions: Sessions) -> None:
    with sessions.begin() as session:
        a, b = save_signals(session, [make_signal(), make_signal(symbol="ETH-USD")])
        assert a.id is not None and b.id is not None
        set_signal_statuses(session, [(a.id, "approved", ()), (b.id, "rejected", ["rate"])])
    with sessions() as session:
        stored = [get_signal(session, s.id) for s in (a, b) if s.id is not None]
    assert [(s.status, s.reasons) for s in stored if s is not None] == [
        ("approved", ()),
        ("rejected", ("rate",)),
    ]


def test_set_signal_statuses_with_an_unknown_id_changes_nothing(sessions: Sessions) -> None:
    with sessions.begin() as session:
        saved = save_signal(session, make_signal())
    with pytest.raises(LookupError), sessions.begin() as session:
        set_signal_statuses(session, [(saved.id, "approved", ()), (12345, "approved", ())])
    with sessions() as session:
        stored = get_signal(session, saved.id)
    assert stored is not None and stored.status == "pending_risk"
