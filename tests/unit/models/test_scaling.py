from __future__ import annotations

import numpy as np
import pytest

from crpbot.models.dataset import WindowSet
from crpbot.models.scaling import Standardizer
from crpbot.models.train import train_fold, validation_split
from crpbot.models.train_config import TrainConfig


def test_standardizer_centres_fit_rows_and_keeps_constant_columns() -> None:
    rows = np.column_stack([np.arange(10.0), np.full(10, 4.0)])
    scaler = Standardizer.fit(rows)
    scaled = scaler.transform(rows)
    np.testing.assert_allclose(scaled[:, 0].mean(), 0, atol=1e-6)
    np.testing.assert_allclose(scaled[:, 0].std(), 1, atol=1e-6)
    np.testing.assert_array_equal(scaled[:, 1], 0)


def test_standardizer_rejects_wrong_width() -> None:
    with pytest.raises(ValueError, match="features"):
        Standardizer.fit(np.ones((3, 2))).transform(np.ones((3, 5)))


def test_train_fold_scaler_fitted_on_training_rows_only(
    samples: WindowSet, tiny_config: TrainConfig
) -> None:
    config = TrainConfig(**{**tiny_config.__dict__, "epochs": 1})
    fit_rows, val_rows = validation_split(samples, config.val_fraction, config.window + 2)
    models = train_fold(samples, config)
    expected = Standardizer.fit(samples.x[fit_rows][:, -1, :])
    assert models.scaler == expected
    shifted = WindowSet(
        x=samples.x.copy(),
        direction=samples.direction,
        strength=samples.strength,
        ends=samples.ends,
        ts=samples.ts,
        feature_names=samples.feature_names,
    )
    shifted.x[val_rows] += 100.0
    assert train_fold(shifted, config).scaler == models.scaler
