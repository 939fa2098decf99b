from __future__ import annotations

import numpy as np

from crpbot.evaluation.baselines import BASELINES, baseline_probabilities, last_moves_up
from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold


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


def test_last_moves_up_reads_the_finished_move() -> None:
    close = np.array([1.0, 2.0, 1.5, 3.0, 1.0])
    assert last_moves_up(close, np.array([2, 3, 4]), 2).tolist() == [1.0, 1.0, 0.0]
