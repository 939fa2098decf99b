"""Recalibration on direction outcomes: labels, the schedule rule, adoption only when better."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from crpbot.confidence.calibration import Calibrator
from crpbot.learning.recalibrate import (
    DirectionSample,
    RefitPolicy,
    recalibrate,
    refit_due,
    up_labels,
)
from tests.unit.learning.builders import T0

IDENTITY = Calibrator("platt", params=(1.0, 0.0))
POLICY = RefitPolicy(min_outcomes=50, min_new_outcomes=20, interval=timedelta(hours=24))


def test_up_labels_keep_every_sample_and_its_direction() -> None:
    samples = [DirectionSample(0.7, True), DirectionSample(0.6, False), DirectionSample(0.2, True)]
    scores, y = up_labels(samples)
    assert scores.tolist() == [0.7, 0.6, 0.2]
    assert y.tolist() == [1.0, 0.0, 1.0]


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


def _samples(n: int, seed: int, squeeze: float) -> list[DirectionSample]:
    """Scores whose true P(up) is 0.5 + squeeze * (score - 0.5): overconfident when < 1."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.05, 0.95, n)
    up = rng.uniform(size=n) < 0.5 + squeeze * (scores - 0.5)
    return [DirectionSample(float(s), bool(u)) for s, u in zip(scores, up, strict=True)]


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
        [DirectionSample(0.7, True)] * 80,
        [DirectionSample(0.3, False)] * 80,
        [],
    ],
    ids=["all-up", "all-down", "none"],
)
def test_recalibrate_without_both_labels_is_none(samples: list[DirectionSample]) -> None:
    assert recalibrate(samples, IDENTITY) is None


def test_recalibrate_moves_probabilities_toward_the_observed_direction_frequency() -> None:
    """Uninformative scores around 0.5 on bars that went up 70% of the time: the refit's mean
    P(up) lands near 0.7 (a fit on trade results would land near their win rate instead)."""
    rng = np.random.default_rng(4)
    scores = rng.uniform(0.45, 0.55, 800)
    samples = [
        DirectionSample(float(s), bool(u))
        for s, u in zip(scores, rng.uniform(size=800) < 0.7, strict=True)
    ]
    change = recalibrate(samples, IDENTITY, method="platt")
    assert change is not None
    assert float(np.mean(change.after.apply(scores))) == pytest.approx(0.7, abs=0.03)
