from __future__ import annotations

import numpy as np
import pytest

from crpbot.evaluation.baselines import (
    BASELINES,
    MIN_MARGIN,
    base_rate_random,
    baseline_probabilities,
    last_move_sign,
    momentum_sign_probabilities,
)
from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold

# Hand-built closes: moves +1, +1, −1, −1, +1, 0 from bar to bar.
CLOSE = np.array([10.0, 11.0, 12.0, 11.0, 10.0, 11.0, 11.0])
TRAIN_ENDS = np.array([1, 2, 3, 4], dtype=np.int64)
TEST_ENDS = np.array([5, 6], dtype=np.int64)


def test_baselines_cover_each_fold_test_slice(
    samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    for fold in folds:
        probs = baseline_probabilities(samples, fold, close, 2, seed=0)
        assert set(probs) == set(BASELINES)
        for p in probs.values():
            assert p.shape == fold.test.shape
            assert ((p >= 0) & (p <= 1)).all()


def test_majority_baseline_is_training_base_rate(
    samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    fold = folds[1]
    probs = baseline_probabilities(samples, fold, close, 2, seed=0)
    np.testing.assert_allclose(probs["majority"], samples.direction[fold.train].mean())


def test_baselines_ignore_test_outcomes(
    samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    fold = folds[0]
    before = baseline_probabilities(samples, fold, close, 2, seed=0)
    flipped = samples.direction.copy()
    flipped[fold.test] = 1 - flipped[fold.test]
    altered = WindowSet(
        x=samples.x,
        direction=flipped,
        strength=samples.strength,
        ends=samples.ends,
        ts=samples.ts,
        feature_names=samples.feature_names,
    )
    after = baseline_probabilities(altered, fold, close, 2, seed=0)
    for name in BASELINES:
        np.testing.assert_array_equal(before[name], after[name])


def test_logistic_baseline_learns_the_planted_feature(
    samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    fold = folds[-1]
    p = baseline_probabilities(samples, fold, close, 2, seed=0)["logistic"]
    y = samples.direction[fold.test]
    assert p[y == 1].mean() > p[y == 0].mean() + 0.1


@pytest.mark.parametrize(
    ("horizon", "ends", "signs"),
    [(1, [1, 2, 3, 4, 5, 6], [1, 1, -1, -1, 1, 0]), (2, [2, 3, 4, 6], [1, 0, -1, 1])],
)
def test_last_move_sign_reads_the_finished_move(
    horizon: int, ends: list[int], signs: list[int]
) -> None:
    assert last_move_sign(CLOSE, np.array(ends), horizon).tolist() == signs


@pytest.mark.parametrize(
    ("y_train", "expected"),
    [
        # hits: up→up, up→up, down→down, down→up: 3 of 4, margin 0.25
        ([1.0, 1.0, 0.0, 1.0], [0.75, 0.5]),
        # momentum always wrong in training: still momentum, at the smallest margin
        ([0.0, 0.0, 1.0, 1.0], [0.5 + MIN_MARGIN, 0.5]),
    ],
)
def test_momentum_sign_baseline_on_a_hand_built_series(
    y_train: list[float], expected: list[float]
) -> None:
    p = momentum_sign_probabilities(CLOSE, TRAIN_ENDS, np.array(y_train), TEST_ENDS, 1)
    np.testing.assert_allclose(p, expected)


def test_momentum_sign_baseline_does_not_collapse_into_majority(
    samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    """The old `last_direction` read "up" after every move when the base rate was above 0.5."""
    fold = folds[1]
    probs = baseline_probabilities(samples, fold, close, 2, seed=0)
    side = last_move_sign(close, samples.ends[fold.test], 2)
    np.testing.assert_array_equal(probs["momentum_sign"] >= 0.5, side >= 0)
    assert (probs["momentum_sign"] < 0.5).any() and (probs["momentum_sign"] > 0.5).any()


@pytest.mark.parametrize("base_rate", [0.3, 0.55, 0.8])
def test_random_baseline_draws_sides_at_the_training_base_rate(base_rate: float) -> None:
    p = base_rate_random(base_rate, 20_000, np.random.default_rng(3))
    margin = max(abs(base_rate - 0.5), MIN_MARGIN)
    assert set(np.round(p, 9)) == {round(0.5 - margin, 9), round(0.5 + margin, 9)}
    assert abs(float((p > 0.5).mean()) - base_rate) < 0.015
