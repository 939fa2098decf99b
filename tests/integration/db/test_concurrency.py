"""Several writers at once: insert-or-ignore and counters stay exact on both backends."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.models import PatternStat, Signal
from crpbot.db.records import PatternDelta, SavedSignal
from crpbot.db.repos.patterns import add_pattern_counts
from crpbot.db.repos.signals import save_signal
from tests.fixtures.concurrency import race
from tests.fixtures.db import T0, make_signal

Sessions = sessionmaker[Session]
THREADS = 8
KEYS = 5


def test_save_signal_concurrent_reruns_store_each_key_once(sessions: Sessions) -> None:
    saved: list[tuple[int, SavedSignal]] = []
    lock = threading.Lock()

    def cycle(_: int) -> None:
        for key in range(KEYS):
            with sessions.begin() as session:
                result = save_signal(session, make_signal(bar_ts=T0 + timedelta(hours=key)))
            with lock:
                saved.append((key, result))

    race(cycle, THREADS)
    for key in range(KEYS):
        results = [r for k, r in saved if k == key]
        assert len(results) == THREADS
        assert sum(r.created for r in results) == 1
        assert len({r.id for r in results}) == 1
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Signal)) == KEYS


def test_add_pattern_counts_concurrent_trackers_lose_no_count(sessions: Sessions) -> None:
    rounds = 10

    def track(_: int) -> None:
        for _round in range(rounds):
            with sessions.begin() as session:
                add_pattern_counts(session, [PatternDelta("tier", "high", wins=1, count=1)], T0)

    race(track, THREADS)
    with sessions() as session:
        stat = session.get(PatternStat, ("tier", "high"))
    assert stat is not None and (stat.wins, stat.count) == (THREADS * rounds, THREADS * rounds)
