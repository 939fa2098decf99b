"""Scored bars: a cycle's bars stored in one statement, idempotently."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.records import ScoredBarRecord
from crpbot.db.repos.scored_bars import (
    save_scored_bar,
    save_scored_bars,
    unresolved_scored_bars,
)
from tests.fixtures.db import T0

Sessions = sessionmaker[Session]


def _bar(symbol: str, **changes: object) -> ScoredBarRecord:
    base = ScoredBarRecord(
        bot="demo",
        symbol=symbol,
        bar_ts=T0,
        model_version="lstm-1+tf-1",
        close=100.0,
        expiry=T0 + timedelta(hours=4),
        score=0.6,
        p_up=0.62,
        p_cal=0.58,
        created_at=T0 + timedelta(seconds=5),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_save_scored_bars_stores_new_keys_and_keeps_stored_ones(sessions: Sessions) -> None:
    with sessions.begin() as session:
        save_scored_bar(session, _bar("ETH-USD", p_cal=0.7))
    with sessions.begin() as session:
        save_scored_bars(session, [_bar("BTC-USD"), _bar("ETH-USD"), _bar("SOL-USD")])
        save_scored_bars(session, [])
    with sessions() as session:
        stored = {r.symbol: r for r in unresolved_scored_bars(session)}
    assert sorted(stored) == ["BTC-USD", "ETH-USD", "SOL-USD"]
    assert stored["ETH-USD"].p_cal == 0.7
    assert replace(stored["SOL-USD"], id=None) == _bar("SOL-USD")
