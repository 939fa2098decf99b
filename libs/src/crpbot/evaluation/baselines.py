"""Baselines a model must beat, fitted on the same fold's training samples it had.

Each returns P(up) for the fold's test samples:

- `majority`: the training base rate, a constant (thresholded, it is the majority class);
- `momentum_sign`: the sign of the last h-bar return is the predicted side; how far from 0.5
  it says so is how much better than a coin the rule did on the training samples (at least
  MIN_MARGIN: where it did worse, it stays the momentum rule, stated at 0.51).
  It replaces `last_direction`, which turned the last move into P(up | last move) from the
  training frequencies: with a base rate of 0.55 and a weak momentum effect both of those
  exceed 0.5, so thresholded it predicted "up" everywhere, exactly the majority baseline
  (identical accuracy in docs/evaluation.md), and never tested the momentum rule itself;
- `logistic`: scikit-learn logistic regression on the same features (each window's last row,
  standardised on the training rows);
- `random`: sides drawn at random at the training base rate (a share b of "up" picks), each
  stated with the base rate's distance from 0.5. Uniform probabilities, the old floor, lose
  about 0.3 nats of log loss to any constant and so flattered every model beside them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from crpbot.models.dataset import WindowSet
from crpbot.models.scaling import Standardizer
from crpbot.models.splits import Fold

FloatArray = npt.NDArray[np.float64]
BASELINES: tuple[str, ...] = ("majority", "momentum_sign", "logistic", "random")
MIN_MARGIN = 0.01
"""Smallest distance from 0.5 a side rule states, so thresholding at 0.5 still reads its side
(a margin of 0 would turn every "down" into the threshold's "up")."""


def last_move_sign(close: FloatArray, ends: npt.NDArray[np.int64], horizon: int) -> FloatArray:
    """sign(close[t] − close[t−h]): +1 after a rise, −1 after a fall, 0 when unchanged."""
    before = close[np.maximum(ends - horizon, 0)]
    return np.asarray(np.sign(close[ends] - before), dtype=np.float64)


def _side_probabilities(side: FloatArray, margin: float) -> FloatArray:
    """P(up) = 0.5 + side · margin, with the margin at least MIN_MARGIN (side 0 gives 0.5)."""
    return np.asarray(0.5 + side * max(margin, MIN_MARGIN), dtype=np.float64)


def momentum_sign_probabilities(
    close: FloatArray,
    train_ends: npt.NDArray[np.int64],
    y_train: FloatArray,
    test_ends: npt.NDArray[np.int64],
    horizon: int,
) -> FloatArray:
    """The last h-bar move's sign as the side; the margin is the training hit rate − 0.5."""
    train_side = last_move_sign(close, train_ends, horizon)
    moved = train_side != 0
    hits = (train_side[moved] > 0) == (y_train[moved] == 1.0)
    hit_rate = float(hits.mean()) if hits.size else 0.5
    return _side_probabilities(last_move_sign(close, test_ends, horizon), hit_rate - 0.5)


def base_rate_random(base_rate: float, n: int, rng: np.random.Generator) -> FloatArray:
    """Random sides, "up" with probability `base_rate`, stated at the base rate's margin."""
    side = np.where(rng.random(n) < base_rate, 1.0, -1.0)
    return _side_probabilities(side, abs(base_rate - 0.5))


def baseline_probabilities(
    samples: WindowSet, fold: Fold, close: FloatArray, horizon: int, seed: int
) -> dict[str, FloatArray]:
    """P(up) of every baseline for `fold.test`, fitted on `fold.train` only."""
    y_train = samples.direction[fold.train]
    base = float(y_train.mean())
    n_test = fold.test.size
    scaler = Standardizer.fit(samples.x[fold.train][:, -1, :])
    logistic = LogisticRegression(max_iter=1000).fit(
        scaler.transform(samples.x[fold.train][:, -1, :]), y_train.astype(np.int64)
    )
    return {
        "majority": np.full(n_test, base),
        "momentum_sign": momentum_sign_probabilities(
            close, samples.ends[fold.train], y_train, samples.ends[fold.test], horizon
        ),
        "logistic": logistic.predict_proba(scaler.transform(samples.x[fold.test][:, -1, :]))[:, 1],
        "random": base_rate_random(base, n_test, np.random.default_rng(seed + fold.number)),
    }
