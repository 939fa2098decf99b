from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.records import PatternDelta, PatternStatRecord
from crpbot.db.repos.patterns import add_pattern_counts, pattern_stats, replace_pattern_stats
from tests.fixtures.db import T0

Sessions = sessionmaker[Session]


def test_add_pattern_counts_accumulates_per_bucket(sessions: Sessions) -> None:
    with sessions.begin() as session:
        add_pattern_counts(session, [PatternDelta("tier", "high", wins=1, count=1)], T0)
        add_pattern_counts(
            session,
            [
                PatternDelta("tier", "high", losses=1, count=1),
                PatternDelta("tier", "low", wins=2, count=3),
            ],
            T0 + timedelta(hours=1),
        )
    with sessions() as session:
        stats = pattern_stats(session, "tier")
    assert [(s.bucket, s.wins, s.losses, s.count) for s in stats] == [
        ("high", 1, 1, 2),
        ("low", 2, 0, 3),
    ]
    assert stats[0].updated_at == T0 + timedelta(hours=1)


def test_replace_pattern_stats_overwrites_totals(sessions: Sessions) -> None:
    with sessions.begin() as session:
        add_pattern_counts(session, [PatternDelta("hour", "14", wins=5, count=5)], T0)
        replace_pattern_stats(session, [PatternStatRecord("hour", "14", 1, 2, 4, T0)])
    with sessions() as session:
        assert pattern_stats(session) == [PatternStatRecord("hour", "14", 1, 2, 4, T0)]


@pytest.mark.parametrize(("wins", "losses", "rate"), [(0, 0, None), (3, 1, 0.75), (0, 2, 0.0)])
def test_pattern_win_rate_ignores_expired(wins: int, losses: int, rate: float | None) -> None:
    assert PatternStatRecord("side", "long", wins, losses, wins + losses + 7, T0).win_rate == rate
