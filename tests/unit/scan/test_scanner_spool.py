"""The spool keeps signals the database refused and moves them in exactly once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.repos.signals import recent_signals, save_signal
from crpbot.scan.spool import SignalSpool
from tests.fixtures.db import make_signal


def test_spool_round_trips_records(tmp_path: Path) -> None:
    spool = SignalSpool(tmp_path / "s" / "spool.jsonl")
    first, second = make_signal(), make_signal(symbol="ETH-USD", status="error")
    spool.append(first)
    spool.append(second)
    assert spool.pending() == [first, second]


def test_spool_skips_a_torn_last_line(tmp_path: Path) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    spool.append(make_signal())
    with spool.path.open("ab") as handle:
        handle.write(b'{"bot": "demo", "sym')
    assert spool.pending() == [make_signal()]


def test_spool_replay_is_idempotent_and_empties_the_file(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    record = make_signal(status="error", reasons=("db_unavailable",))
    spool.append(record)
    spool.append(record)
    assert spool.replay(sessions) == 2
    assert not spool.path.exists()
    assert spool.replay(sessions) == 0
    with sessions() as session:
        (stored,) = recent_signals(session)
    assert (stored.status, stored.reasons) == ("error", ("db_unavailable",))


def test_spool_replay_settles_a_pending_row_but_never_a_decided_one(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    pending = make_signal(symbol="BTC-USD", status="pending_risk")
    decided = make_signal(symbol="ETH-USD", status="approved", reasons=())
    with sessions.begin() as session:
        save_signal(session, pending)
        save_signal(session, decided)
    spool = SignalSpool(tmp_path / "spool.jsonl")
    for record in (pending, decided):
        spool.append(replace(record, status="error", reasons=("db_unavailable",)))
    spool.replay(sessions)
    with sessions() as session:
        stored = {s.symbol: s.status for s in recent_signals(session)}
    assert stored == {"BTC-USD": "error", "ETH-USD": "approved"}
