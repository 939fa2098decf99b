from __future__ import annotations

import numpy as np
import pytest

from crpbot.confidence.metrics import (
    METRICS,
    BootstrapSettings,
    block_indices,
    bootstrap_metrics,
    point_metrics,
    resampled_metrics,
)


@pytest.fixture
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 1, 700)
    return p, (rng.uniform(0, 1, 700) < p).astype(float)


def test_resampled_metrics_match_scikit_learn(sample: tuple[np.ndarray, np.ndarray]) -> None:
    p, y = sample
    rows = block_indices(p.size, 30, 4, seed=1)
    fast = resampled_metrics(p, y, rows)
    for i, r in enumerate(rows):
        reference = point_metrics(p[r], y[r])
        np.testing.assert_allclose(fast[i], [reference[m] for m in METRICS], atol=1e-12)


def test_block_indices_are_runs_of_consecutive_samples() -> None:
    rows = block_indices(100, 10, 3, seed=0)
    assert rows.shape == (3, 100)
    for r in rows:
        runs = r.reshape(10, 10)
        assert (np.diff(runs, axis=1) == 1).all()
        assert r.min() >= 0 and r.max() < 100


def test_bootstrap_metrics_intervals_bracket_point_values(
    sample: tuple[np.ndarray, np.ndarray],
) -> None:
    estimates = bootstrap_metrics(*sample, block=20, n_boot=200, seed=3)
    assert set(estimates) == set(METRICS)
    for estimate in estimates.values():
        assert estimate.low <= estimate.value <= estimate.high
    assert estimates["auc"].value > 0.7


def test_bootstrap_metrics_same_seed_same_intervals(sample: tuple[np.ndarray, np.ndarray]) -> None:
    assert bootstrap_metrics(*sample, n_boot=100, seed=4) == bootstrap_metrics(
        *sample, n_boot=100, seed=4
    )


def test_point_metrics_auc_undefined_with_one_class() -> None:
    metrics = point_metrics(np.array([0.2, 0.8]), np.array([1.0, 1.0]))
    assert np.isnan(metrics["auc"])
    assert metrics["accuracy"] == 0.5


@pytest.mark.parametrize("bad", [{"n_boot": 0}, {"level": 0.0}, {"level": 1.0}])
def test_bootstrap_settings_refuse_what_cannot_resample(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        BootstrapSettings(**bad)  # type: ignore[arg-type]
