from __future__ import annotations

import numpy as np
import pytest

from crpbot.models.splits import SplitConfig, purge_gap, walk_forward_splits


@pytest.mark.parametrize(("n_folds", "purge"), [(1, 10), (3, 36), (5, 60)])
def test_walk_forward_splits_keep_purge_gap_and_order(n_folds: int, purge: int) -> None:
    ends = np.arange(40, 3040, dtype=np.int64)
    folds = walk_forward_splits(ends, SplitConfig(n_folds=n_folds, purge=purge))
    assert len(folds) == n_folds
    for fold in folds:
        assert ends[fold.calib].min() - ends[fold.train].max() >= purge
        assert ends[fold.test].min() - ends[fold.calib].max() >= purge
        assert not set(fold.train) & set(fold.test)
    tests = np.concatenate([f.test for f in folds])
    assert np.all(np.diff(tests) > 0)


def test_walk_forward_splits_measure_gap_in_bars_not_samples() -> None:
    ends = np.r_[np.arange(0, 500), np.arange(600, 1100)].astype(np.int64)
    folds = walk_forward_splits(ends, SplitConfig(n_folds=2, purge=20))
    for fold in folds:
        assert ends[fold.calib].min() - ends[fold.train].max() >= 20


def test_walk_forward_splits_training_expands() -> None:
    folds = walk_forward_splits(np.arange(2000, dtype=np.int64), SplitConfig(n_folds=3, purge=5))
    sizes = [f.train.size for f in folds]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_walk_forward_splits_reject_too_few_samples() -> None:
    with pytest.raises(ValueError):
        walk_forward_splits(np.arange(20, dtype=np.int64), SplitConfig(n_folds=4, purge=30))


def test_purge_gap_is_window_plus_horizon() -> None:
    assert purge_gap(32, 4) == 36
