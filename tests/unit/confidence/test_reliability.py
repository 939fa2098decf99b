from __future__ import annotations

import numpy as np
import pytest

from crpbot.confidence.reliability import expected_calibration_error, reliability_curve


def test_expected_calibration_error_hand_computed() -> None:
    p = np.array([0.15, 0.15, 0.85, 0.85])
    y = np.array([0.0, 1.0, 1.0, 1.0])
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.35 + 0.5 * 0.15)


def test_expected_calibration_error_zero_when_bins_match_outcomes() -> None:
    p = np.array([0.25] * 4 + [0.75] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=float)
    assert expected_calibration_error(p, y) == pytest.approx(0.0)


def test_reliability_curve_skips_empty_bins_and_counts() -> None:
    curve = reliability_curve(np.array([0.05, 0.07, 0.95, 1.0]), np.array([0.0, 0, 1, 1]))
    assert curve.counts.tolist() == [2, 2]
    np.testing.assert_allclose(curve.predicted, [0.06, 0.975])
