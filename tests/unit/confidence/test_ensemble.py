from __future__ import annotations

import numpy as np
import pytest

from crpbot.confidence.ensemble import ensemble_score, side_confidence


def test_ensemble_score_is_neutral_without_expected_move() -> None:
    assert ensemble_score(np.array([0.9, 0.1]), np.array([0.0, 0.0]), 1.0).tolist() == [0.5, 0.5]


def test_ensemble_score_weights_direction_by_strength() -> None:
    p_up = np.full(3, 0.8)
    score = ensemble_score(p_up, np.array([0.5, 1.0, 9.0]), strength_ref=1.0)
    np.testing.assert_allclose(score, 0.5 + 0.3 * np.array([1 / 3, 1 / 2, 0.9]))
    assert np.all(np.diff(score) > 0)


def test_ensemble_score_stays_a_probability() -> None:
    rng = np.random.default_rng(1)
    score = ensemble_score(rng.uniform(0, 1, 500), rng.uniform(-1, 10, 500), 0.7)
    assert ((score >= 0) & (score <= 1)).all()


def test_ensemble_score_rejects_non_positive_reference() -> None:
    with pytest.raises(ValueError):
        ensemble_score(np.array([0.6]), np.array([1.0]), 0.0)


def test_side_confidence_picks_favoured_side() -> None:
    side, confidence = side_confidence(np.array([0.7, 0.2, 0.5]))
    assert side.tolist() == ["long", "short", "long"]
    np.testing.assert_allclose(confidence, [0.7, 0.8, 0.5])
