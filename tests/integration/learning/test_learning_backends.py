"""Auto-learning on SQLite and the real PostgreSQL: concurrent trackers count each signal once."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crpbot.confidence.calibration import Calibrator
from crpbot.db.models import Outcome
from crpbot.db.repos.scored_bars import save_scored_bar
from crpbot.db.repos.signals import save_signal
from crpbot.learning.direction import resolve_direction
from crpbot.learning.recalibrate import RefitPolicy
from crpbot.services.learning import (
    CalibrationScope,
    LearningService,
    TrackReport,
    active_calibrator,
)
from tests.fixtures.concurrency import race
from tests.unit.learning.builders import HOUR, T0, random_walk, scored_bar, stored_signal

Sessions = sessionmaker[Session]
TRACKERS = 4
LATE = T0 + 5000 * HOUR


def test_concurrent_trackers_resolve_and_count_each_signal_once(sessions: Sessions) -> None:
    walk = random_walk(500, seed=21, vol=0.01)
    with sessions.begin() as session:
        for bar in range(250, 490):
            save_signal(session, stored_signal(bar, walk, tier=("high", "low")[bar % 2]))
    reports: list[TrackReport] = []

    def tracker(_: int) -> None:
        reports.append(LearningService(sessions).track({"BTC-USD": walk}, LATE))

    race(tracker, TRACKERS)
    assert sum(r.resolved for r in reports) == 240
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Outcome)) == 240
    stats = LearningService(sessions).patterns()
    assert {(r.dimension, r.bucket): r.count for r in stats}[("symbol", "BTC-USD")] == 240
    by_dimension: dict[str, int] = {}
    for row in stats:
        by_dimension[row.dimension] = by_dimension.get(row.dimension, 0) + row.count
    assert by_dimension["tier"] == by_dimension["side"] == by_dimension["hour"] == 240
    assert by_dimension["rsi"] == by_dimension["atr_pct"] == 240


def test_refit_is_stored_and_activated(sessions: Sessions) -> None:
    walk = random_walk(600, seed=11, vol=0.01)
    rng = np.random.default_rng(0)
    with sessions.begin() as session:
        for bar in range(20, 590, 2):
            scored = scored_bar(bar, walk)
            outcome = resolve_direction(scored, walk, HOUR, LATE)
            up = outcome is not None and outcome.went_up
            score = 0.5 + (0.03 if up else -0.03) + rng.normal(0.0, 0.01)
            save_scored_bar(session, replace(scored, score=score, p_cal=score))
    identity = Calibrator("platt", params=(1.0, 0.0))
    service = LearningService(
        sessions, scope=CalibrationScope("v1", identity), policy=RefitPolicy(min_outcomes=50)
    )
    service.track({"BTC-USD": walk}, LATE)
    change = service.refit(LATE)
    assert change is not None and change.adopted
    assert service.refit(LATE + HOUR) is None
    with sessions() as session:
        assert active_calibrator(session, "v1") == change.after
