"""Walk-forward folds: train on the past, calibrate on the next slice, test on the one after.

Every fold k cuts the timeline at end bars: train = everything before its block, then a
calibration slice, then a test slice, each separated by a purge gap of at least
window + horizon bars. A training target reads up to t+h and a later window starts W-1 bars
before its end, so with that gap no bar is shared between a training sample's target and a
calibration or test window. Training is expanding (each fold sees all earlier data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Fold:
    """Sample positions (into a time-ordered WindowSet) of one walk-forward fold."""

    number: int
    train: IntArray
    calib: IntArray
    test: IntArray


@dataclass(frozen=True)
class SplitConfig:
    """`first_train` is the share of samples before the first fold; the rest is cut into
    `n_folds` equal blocks, each starting with a `calib_fraction` calibration slice."""

    n_folds: int = 4
    first_train: float = 0.5
    calib_fraction: float = 0.35
    purge: int = 0


def purge_gap(window: int, horizon: int) -> int:
    """The minimum gap in bars between a training end bar and a later evaluated end bar."""
    return window + horizon


def walk_forward_splits(ends: IntArray, config: SplitConfig) -> list[Fold]:
    """Folds over samples whose end bars are `ends` (increasing), gaps measured in bars."""
    if config.n_folds < 1 or not 0 < config.first_train < 1 or not 0 < config.calib_fraction < 1:
        raise ValueError("need n_folds >= 1, 0 < first_train < 1 and 0 < calib_fraction < 1")
    if ends.size and np.any(np.diff(ends) <= 0):
        raise ValueError("sample end bars must be strictly increasing")
    n = ends.size
    start = int(n * config.first_train)
    edges = np.linspace(start, n, config.n_folds + 1).astype(np.int64)
    folds = []
    for k in range(config.n_folds):
        block_start, block_end = int(edges[k]), int(edges[k + 1])
        calib_end = block_start + int((block_end - block_start) * config.calib_fraction)
        if block_start >= n or calib_end >= block_end:
            raise ValueError(f"too few samples ({n}) for {config.n_folds} folds")
        start_bar = ends[block_start]
        train = np.flatnonzero(ends <= start_bar - config.purge)
        calib = np.arange(block_start, calib_end, dtype=np.int64)
        test_first = ends[calib_end - 1] + config.purge
        test = np.arange(calib_end, block_end, dtype=np.int64)
        test = test[ends[test] >= test_first]
        if train.size == 0 or test.size == 0:
            raise ValueError(f"fold {k} is empty after purging {config.purge} bars")
        folds.append(Fold(number=k, train=train.astype(np.int64), calib=calib, test=test))
    return folds
