"""Baselines a model must beat, fitted on the same fold's training samples it had.

Each returns P(up) for the fold's test samples:

- `majority`: the training base rate, a constant (thresholded, it is the majority class);
- `last_direction`: momentum: the last h-bar move's direction, turned into a probability with
  the training frequencies P(up | last up) and P(up | last down);
- `logistic`: scikit-learn logistic regression on the same features (each window's last row,
  standardised on the training rows);
- `random`: uniform noise from a seeded generator, the floor.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from crpbot.models.dataset import WindowSet
from crpbot.models.scaling import Standardizer
from crpbot.models.splits import Fold

FloatArray = npt.NDArray[np.float64]
BASELINES: tuple[str, ...] = ("majority", "last_direction", "logistic", "random")


def last_moves_up(close: FloatArray, ends: npt.NDArray[np.int64], horizon: int) -> FloatArray:
    """1.0 where close[t] > close[t-h] (the move just finished went up), else 0.0."""
    before = close[np.maximum(ends - horizon, 0)]
    return np.asarray(close[ends] > before, dtype=np.float64)


def _conditional_rate(y: FloatArray, condition: FloatArray, value: float, fallback: float) -> float:
    chosen = y[condition == value]
    return float(chosen.mean()) if chosen.size else fallback


def baseline_probabilities(
    samples: WindowSet, fold: Fold, close: FloatArray, horizon: int, seed: int
) -> dict[str, FloatArray]:
    """P(up) of every baseline for `fold.test`, fitted on `fold.train` only."""
    y_train = samples.direction[fold.train]
    base = float(y_train.mean())
    n_test = fold.test.size
    moved_train = last_moves_up(close, samples.ends[fold.train], horizon)
    moved_test = last_moves_up(close, samples.ends[fold.test], horizon)
    p_after_up = _conditional_rate(y_train, moved_train, 1.0, base)
    p_after_down = _conditional_rate(y_train, moved_train, 0.0, base)
    scaler = Standardizer.fit(samples.x[fold.train][:, -1, :])
    logistic = LogisticRegression(max_iter=1000).fit(
        scaler.transform(samples.x[fold.train][:, -1, :]), y_train.astype(np.int64)
    )
    return {
        "majority": np.full(n_test, base),
        "last_direction": np.where(moved_test == 1.0, p_after_up, p_after_down),
        "logistic": logistic.predict_proba(scaler.transform(samples.x[fold.test][:, -1, :]))[:, 1],
        "random": np.random.default_rng(seed + fold.number).uniform(0.0, 1.0, n_test),
    }
