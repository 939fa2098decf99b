"""Recalibration from outcomes: labels, the schedule rule, adoption only when better."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from crpbot.confidence.calibration import Calibrator
from crpbot.learning.outcomes import Result
from crpbot.learning.recalibrate import (
    CalibrationSample,
    RefitPolicy,
    recalibrate,
    refit_due,
    up_labels,
)
from tests.unit.learning.builders import T0

IDENTITY = Calibrator("platt", params=(1.0, 0.0))
POLICY = RefitPolicy(min_outcomes=50, min_new_outcomes=20, interval=timedelta(hours=24))


def test_up_labels_turn_side_and_result_into_went_up() -> None:
    samples = [
        CalibrationSample(0.7, "long", "won"),
        CalibrationSample(0.6, "long", "lost"),
        CalibrationSample(0.3, "short", "won"),
        CalibrationSample(0.2, "short", "lost"),
        CalibrationSample(0.9, "long", "expired"),
    ]
    scores, y = up_labels(samples)
    assert scores.tolist() == [0.7, 0.6, 0.3, 0.2]
    assert y.tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("last_hours_ago", "total", "new", "due"),
    [
        (None, 49, 49, False),
        (None, 50, 50, True),
        (23, 500, 400, False),
        (24, 500, 19, False),
        (24, 500, 20, True),
        (100, 40, 40, False),
    ],
    ids=["too-few", "first", "too-soon", "too-few-new", "due", "below-minimum-even-if-late"],
)
def test_refit_due_schedule(last_hours_ago: int | None, total: int, new: int, due: bool) -> None:
    last = None if last_hours_ago is None else T0 - timedelta(hours=last_hours_ago)
    decision = refit_due(last, T0, total, new, POLICY)
    assert decision.due is due
    assert decision.reason


def test_refit_policy_refuses_tiny_minimums() -> None:
    with pytest.raises(ValueError):
        RefitPolicy(min_outcomes=5)


def _samples(n: int, seed: int, squeeze: float) -> list[CalibrationSample]:
    """Scores whose true P(up) is 0.5 + squeeze * (score - 0.5): overconfident when < 1."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.05, 0.95, n)
    up = rng.uniform(size=n) < 0.5 + squeeze * (scores - 0.5)
    samples = []
    for score, went_up in zip(scores, up, strict=True):
        side = "long" if score >= 0.5 else "short"
        result: Result = "won" if went_up == (side == "long") else "lost"
        samples.append(CalibrationSample(float(score), side, result))
    return samples


def test_recalibrate_fixes_an_overconfident_calibrator_and_adopts_it() -> None:
    change = recalibrate(_samples(600, 1, squeeze=0.3), IDENTITY)
    assert change is not None
    assert change.n_samples == 600
    assert change.adopted
    assert change.after_quality.ece < change.before_quality.ece
    assert change.after_quality.brier < change.before_quality.brier
    assert change.holdout_log_loss[change.after.method] < change.holdout_log_loss["current"]
    assert change.before == IDENTITY


def test_recalibrate_keeps_a_calibrator_that_is_already_right() -> None:
    change = recalibrate(_samples(600, 2, squeeze=1.0), IDENTITY)
    assert change is not None
    assert not change.adopted


def test_recalibrate_forced_method_is_used() -> None:
    change = recalibrate(_samples(300, 3, squeeze=0.3), IDENTITY, method="isotonic")
    assert change is not None and change.after.method == "isotonic"


@pytest.mark.parametrize(
    "samples",
    [
        [CalibrationSample(0.7, "long", "won")] * 80,
        [CalibrationSample(0.7, "long", "expired")] * 80,
        [],
    ],
    ids=["one-label", "all-expired", "none"],
)
def test_recalibrate_without_both_labels_is_none(samples: list[CalibrationSample]) -> None:
    assert recalibrate(samples, IDENTITY) is None
