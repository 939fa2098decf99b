"""LearningService on SQLite: tracking stored signals and scored bars, pattern counts, refits
on the direction label."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.confidence.calibration import Calibrator
from crpbot.data.bundled import load_bundled
from crpbot.db.engine import make_engine, session_factory, upgrade
from crpbot.db.records import ScoredBarRecord, SignalRecord
from crpbot.db.repos.calibration import calibration_changes
from crpbot.db.repos.outcomes import get_outcome
from crpbot.db.repos.scored_bars import resolved_scored_bars, save_scored_bar
from crpbot.db.repos.signals import save_signal
from crpbot.learning.direction import resolve_direction
from crpbot.learning.recalibrate import RefitPolicy
from crpbot.models.inference import InProcessBackend
from crpbot.models.scoring import score_candles
from crpbot.services.learning import CalibrationScope, LearningService, active_calibrator
from crpbot.services.recalibrated_model import RecalibratedModel
from tests.fixtures.artifacts import build_tiny_artifact
from tests.unit.learning.builders import (
    HOUR,
    T0,
    make_candles,
    random_walk,
    scored_bar,
    stored_signal,
)

FLAT = (100.0, 100.5, 99.5, 100.0)
SPIKE = (100.0, 102.5, 99.5, 102.0)
LATE = T0 + 1000 * HOUR
IDENTITY = Calibrator("platt", params=(1.0, 0.0))


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'learn.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


@pytest.fixture
def candles() -> pd.DataFrame:
    """Flat bars with one spike at bar 2 (reaches +2.5, closes +2)."""
    return make_candles([FLAT, FLAT, SPIKE, *[FLAT] * 10])


def _store(sessions: sessionmaker[Session], *records: SignalRecord) -> list[int]:
    with sessions.begin() as session:
        return [save_signal(session, r).id for r in records]


def _store_bars(sessions: sessionmaker[Session], *records: ScoredBarRecord) -> None:
    with sessions.begin() as session:
        for record in records:
            save_scored_bar(session, record)


def test_track_resolves_won_lost_expired_and_leaves_open(
    sessions: sessionmaker[Session], candles: pd.DataFrame
) -> None:
    ids = _store(
        sessions,
        stored_signal(1, candles, tier="high"),
        stored_signal(1, candles, side="short", model_version="v2"),
        stored_signal(3, candles, expiry_bars=3),
        stored_signal(10, candles),
    )
    report = LearningService(sessions).track({"BTC-USD": candles}, T0 + 13 * HOUR)
    assert (report.checked, report.resolved, report.still_open) == (4, 3, 1)
    assert (report.won, report.lost, report.expired) == (1, 1, 1)
    with sessions() as session:
        won, lost, expired, still_open = (get_outcome(session, i) for i in ids)
    assert won is not None and (won.result, won.exit_price, won.r_multiple) == ("won", 102.0, 2.0)
    assert won.resolved_ts == T0 + 3 * HOUR
    assert lost is not None and (lost.result, lost.exit_price) == ("lost", 101.0)
    assert expired is not None and expired.result == "expired"
    assert expired.resolved_ts == T0 + 7 * HOUR
    assert still_open is None


def test_track_twice_resolves_and_counts_nothing_twice(
    sessions: sessionmaker[Session], candles: pd.DataFrame
) -> None:
    _store(sessions, stored_signal(1, candles, tier="high"), stored_signal(3, candles, tier="low"))
    service = LearningService(sessions)
    first = service.track({"BTC-USD": candles}, LATE)
    counts = service.patterns()
    second = service.track({"BTC-USD": candles}, LATE + HOUR)
    assert (first.resolved, second.checked, second.resolved) == (2, 0, 0)
    assert service.patterns() == counts
    tiers = {row.bucket: row for row in service.patterns("tier")}
    assert (tiers["high"].wins, tiers["high"].count, tiers["high"].win_rate) == (1, 1, 1.0)
    assert (tiers["low"].wins, tiers["low"].losses, tiers["low"].count) == (0, 0, 1)
    assert tiers["low"].win_rate is None
    dims = {row.dimension for row in counts}
    assert {"symbol", "tier", "side", "hour"} <= dims


def test_track_reports_symbols_without_candles(
    sessions: sessionmaker[Session], candles: pd.DataFrame
) -> None:
    _store(sessions, stored_signal(1, candles), stored_signal(1, candles, symbol="ETH-USD"))
    service = LearningService(sessions)
    assert service.open_symbols() == ["BTC-USD", "ETH-USD"]
    report = service.track({"BTC-USD": candles}, LATE)
    assert report.missing_candles == ("ETH-USD",)
    assert (report.resolved, report.still_open) == (1, 1)
    assert service.open_symbols() == ["ETH-USD"]


def test_track_skips_signals_with_impossible_levels(
    sessions: sessionmaker[Session], candles: pd.DataFrame
) -> None:
    broken = replace(stored_signal(1, candles), stop=150.0)
    _store(sessions, broken, stored_signal(3, candles, tier="low"))
    report = LearningService(sessions).track({"BTC-USD": candles}, LATE)
    assert (report.invalid, report.resolved, report.still_open) == (1, 1, 0)


def test_track_buckets_features_when_candles_have_history(sessions: sessionmaker[Session]) -> None:
    walk = random_walk(400, seed=5, vol=0.01)
    _store(sessions, *(stored_signal(b, walk) for b in range(300, 390, 3)))
    service = LearningService(sessions)
    report = service.track({"BTC-USD": walk}, LATE)
    assert report.resolved == 30
    for dimension in ("rsi", "atr_pct"):
        rows = service.patterns(dimension)
        assert sum(r.count for r in rows) == 30


def _informative_bars(n_bars: int, seed: int) -> tuple[pd.DataFrame, list[ScoredBarRecord]]:
    """Scored bars whose score knows the direction but is squeezed toward 0.5 (miscalibrated)."""
    walk = random_walk(n_bars, seed=seed, vol=0.01)
    rng = np.random.default_rng(seed)
    records = []
    for bar in range(20, n_bars - 10, 2):
        record = scored_bar(bar, walk)
        outcome = resolve_direction(record, walk, HOUR, LATE)
        up = outcome is not None and outcome.went_up
        score = 0.5 + (0.03 if up else -0.03) + rng.normal(0.0, 0.01)
        records.append(replace(record, score=score, p_up=score, p_cal=score))
    return walk, records


def test_refit_waits_for_enough_outcomes_then_stores_and_activates(
    sessions: sessionmaker[Session],
) -> None:
    walk, records = _informative_bars(600, seed=11)
    _store_bars(sessions, *records)
    scope = CalibrationScope("v1", IDENTITY)
    strict = LearningService(sessions, scope=scope, policy=RefitPolicy(min_outcomes=10_000))
    strict.track({"BTC-USD": walk}, LATE)
    assert strict.refit(LATE) is None
    assert not strict.refit_decision(LATE).due
    service = LearningService(sessions, scope=scope, policy=RefitPolicy(min_outcomes=50))
    change = service.refit(LATE)
    assert change is not None and change.adopted
    assert change.after_quality.brier < change.before_quality.brier
    with sessions() as session:
        (stored,) = calibration_changes(session)
        assert active_calibrator(session, "v1") == change.after
        assert active_calibrator(session, "v2") is None
    assert stored.ts == LATE and stored.n_samples == change.n_samples
    assert stored.after["adopted"] is True and stored.after["model_version"] == "v1"
    assert stored.before["brier"] == pytest.approx(change.before_quality.brier)


def test_refit_schedule_and_force(sessions: sessionmaker[Session]) -> None:
    walk, records = _informative_bars(600, seed=12)
    _store_bars(sessions, *records)
    service = LearningService(
        sessions, scope=CalibrationScope("v1", IDENTITY), policy=RefitPolicy(min_outcomes=50)
    )
    service.track({"BTC-USD": walk}, LATE)
    first = service.refit(LATE)
    assert first is not None
    soon = LATE + timedelta(hours=1)
    assert service.refit(soon) is None
    assert "ago" in service.refit_decision(soon).reason
    forced = service.refit(soon, force=True, method="isotonic")
    assert forced is not None and forced.after.method == "isotonic"
    assert forced.before == (first.after if first.adopted else IDENTITY)
    with sessions() as session:
        assert len(calibration_changes(session)) == 2


def test_refit_needs_a_scope(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="CalibrationScope"):
        LearningService(sessions).refit(LATE)


def test_recalibrated_model_scores_with_the_adopted_refit(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    artifact = build_tiny_artifact(tmp_path / "models")
    backend = InProcessBackend(artifact.model_dir)
    base = backend.metadata
    model = RecalibratedModel(backend, sessions)
    assert model.metadata == base
    walk, records = _informative_bars(600, seed=11)
    _store_bars(sessions, *(replace(r, model_version=base.model_version) for r in records))
    service = LearningService(
        sessions,
        scope=CalibrationScope(base.model_version, base.calibrator),
        policy=RefitPolicy(min_outcomes=50),
    )
    service.track({"BTC-USD": walk}, LATE)
    change = service.refit(LATE)
    assert change is not None and change.adopted
    assert model.metadata.calibrator == change.after
    candles = load_bundled("EURUSD").iloc[-600:]
    scored = score_candles(candles, model, model.metadata)
    assert len(scored) > 100
    expected = change.after.apply(scored["score"].to_numpy())
    np.testing.assert_allclose(scored["p_cal"].to_numpy(), expected)
    assert not np.allclose(expected, base.calibrator.apply(scored["score"].to_numpy()))


# A 5-bar cycle: bars at cycle positions 0 and 1 close higher 4 bars later, positions 2-4 do
# not (2 falls, 3 and 4 tie, which is "not up"); position 1 dips to 98.5, so a long published
# at position 0 (entry 100, stop 99, target 102) always loses its trade although its bar went up.
CYCLE = [
    (100.5, 100.6, 99.9, 100.0),
    (100.0, 100.0, 98.5, 99.5),
    (99.5, 100.6, 99.4, 100.5),
    (100.5, 100.7, 100.3, 100.5),
    (100.5, 100.7, 100.3, 100.5),
]
UP_SCORE, DOWN_SCORE = 0.7, 0.3


def _disagreeing_history(n_cycles: int = 40) -> tuple[pd.DataFrame, list[ScoredBarRecord]]:
    candles = make_candles(CYCLE * n_cycles)
    bars = [
        scored_bar(b, candles, score=UP_SCORE if b % 5 < 2 else DOWN_SCORE)
        for b in range(len(candles) - 4)
    ]
    return candles, bars


def test_track_writes_the_direction_outcome_of_every_scored_bar_and_counts_pending(
    sessions: sessionmaker[Session],
) -> None:
    candles, bars = _disagreeing_history(4)
    _store_bars(sessions, *bars, scored_bar(len(candles) - 2, candles))
    service = LearningService(sessions)
    assert service.open_symbols() == ["BTC-USD"]
    report = service.track({"BTC-USD": candles}, LATE)
    assert (report.directions_resolved, report.directions_pending) == (len(bars), 1)
    assert (report.checked, report.resolved) == (0, 0)
    with sessions() as session:
        resolved = resolved_scored_bars(session)
    assert [b.went_up for b in resolved] == [b.bar_ts.hour % 5 < 2 for b in bars]
    assert resolved[0].close_at_horizon == 100.5 and resolved[0].resolved_ts == T0 + 5 * HOUR
    again = service.track({"BTC-USD": candles}, LATE + HOUR)
    assert (again.directions_resolved, again.directions_pending) == (0, 1)


def test_refit_fits_the_direction_label_where_trade_results_disagree(
    sessions: sessionmaker[Session],
) -> None:
    candles, bars = _disagreeing_history()
    _store_bars(sessions, *bars)
    longs = [stored_signal(b, candles, score=UP_SCORE) for b in range(0, len(bars), 5)]
    _store(sessions, *longs)
    service = LearningService(
        sessions, scope=CalibrationScope("v1", IDENTITY), policy=RefitPolicy(min_outcomes=50)
    )
    report = service.track({"BTC-USD": candles}, LATE)
    assert report.lost == len(longs) and report.won == 0
    change = service.refit(LATE, method="isotonic")
    assert change is not None
    up, down = change.after.apply(np.array([UP_SCORE, DOWN_SCORE]))
    assert up > 0.95 and down < 0.05


def test_refit_uses_every_resolved_scored_bar_whatever_became_of_its_signal(
    sessions: sessionmaker[Session],
) -> None:
    candles, bars = _disagreeing_history()
    _store_bars(sessions, *bars)
    approved = stored_signal(2, candles, side="short", score=DOWN_SCORE)
    expired = stored_signal(3, candles, score=UP_SCORE, expiry_bars=2)
    rejected = replace(stored_signal(5, candles, score=UP_SCORE), status="rejected")
    _store(sessions, approved, expired, rejected)
    service = LearningService(
        sessions, scope=CalibrationScope("v1", IDENTITY), policy=RefitPolicy(min_outcomes=50)
    )
    report = service.track({"BTC-USD": candles}, LATE)
    assert report.expired >= 1 and report.resolved == 3
    assert service.refit_decision(LATE).due
    change = service.refit(LATE)
    assert change is not None and change.n_samples == len(bars)
