from __future__ import annotations

import dataclasses

import numpy as np
import torch

from crpbot.models.dataset import WindowSet
from crpbot.models.train import predict, train_fold, validation_split
from crpbot.models.train_config import TrainConfig


def _weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [t.detach().clone() for t in module.state_dict().values()]


def test_train_fold_same_seed_gives_identical_weights_and_predictions(
    samples: WindowSet, tiny_config: TrainConfig
) -> None:
    first, second = train_fold(samples, tiny_config), train_fold(samples, tiny_config)
    for a, b in zip(_weights(first.lstm), _weights(second.lstm), strict=True):
        assert torch.equal(a, b)
    for a, b in zip(_weights(first.transformer), _weights(second.transformer), strict=True):
        assert torch.equal(a, b)
    p1, s1 = predict(first, samples.x)
    p2, s2 = predict(second, samples.x)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(s1, s2)


def test_train_fold_other_seed_gives_other_weights(
    samples: WindowSet, tiny_config: TrainConfig
) -> None:
    other = dataclasses.replace(tiny_config, seed=tiny_config.seed + 1)
    a, b = train_fold(samples, tiny_config), train_fold(samples, other)
    assert not torch.equal(_weights(a.lstm)[0], _weights(b.lstm)[0])


def test_predict_shapes_and_ranges(samples: WindowSet, tiny_config: TrainConfig) -> None:
    models = train_fold(samples, tiny_config)
    p_up, strength = predict(models, samples.x[:17])
    assert p_up.shape == strength.shape == (17,)
    assert ((p_up > 0) & (p_up < 1)).all()
    assert (strength >= 0).all()


def test_train_fold_early_stopping_restores_best_epoch(
    samples: WindowSet, tiny_config: TrainConfig
) -> None:
    config = dataclasses.replace(tiny_config, epochs=30, patience=1, learning_rate=0.05)
    fit = train_fold(samples, config).lstm_fit
    assert len(fit.val_losses) < 30
    assert fit.best_val_loss == min(fit.val_losses)
    assert fit.val_losses[fit.best_epoch - 1] == fit.best_val_loss


def test_validation_split_is_later_and_purged(samples: WindowSet) -> None:
    fit, val = validation_split(samples, 0.25, gap=10)
    assert samples.ends[val].min() - samples.ends[fit].max() >= 10
    assert val.size == len(samples) - int(len(samples) * 0.75)
