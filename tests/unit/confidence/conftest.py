"""A synthetic, deliberately overconfident probability source for the calibration tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest


def overconfident(n: int, seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Scores whose logit is 3x the truth's: far too sure of themselves, ranking intact."""
    rng = np.random.default_rng(seed)
    true_p = rng.uniform(0.2, 0.8, n)
    outcomes = (rng.uniform(0, 1, n) < true_p).astype(np.float64)
    logit = np.log(true_p / (1 - true_p))
    return 1 / (1 + np.exp(-3 * logit)), outcomes


def calibrated(n: int, seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Scores that ARE the probability of the outcome: nothing for a calibrator to fix."""
    rng = np.random.default_rng(seed)
    true_p = rng.uniform(0.2, 0.8, n)
    return true_p, (rng.uniform(0, 1, n) < true_p).astype(np.float64)


@pytest.fixture
def miscalibrated() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    return overconfident(4000, seed=11)
