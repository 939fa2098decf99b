"""Fit both models on one fold's training samples, deterministically, with early stopping.

The validation fold for early stopping is the chronologically last `val_fraction` of the
training samples, purged from the rest by window + horizon bars, so stopping never looks at
shuffled-in neighbours of its own training rows. Same seed, same data, same weights: the seed
drives torch, the batch order and dropout, deterministic algorithms are on and torch runs on
the threads it is given.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from crpbot.models.dataset import WindowSet
from crpbot.models.lstm import LSTMDirection
from crpbot.models.scaling import Standardizer
from crpbot.models.train_config import TrainConfig
from crpbot.models.transformer import TrendTransformer

EpochCallback = Callable[[str, int, float], None]
"""Called after each epoch with (model name, epoch number from 1, validation loss)."""


@dataclass(frozen=True)
class FitResult:
    """The best epoch's weights are already loaded into the model."""

    best_epoch: int
    best_val_loss: float
    val_losses: tuple[float, ...]


@dataclass
class FoldModels:
    """What one fold produces: both models in eval mode and the scaler they expect."""

    lstm: LSTMDirection
    transformer: TrendTransformer
    scaler: Standardizer
    lstm_fit: FitResult
    transformer_fit: FitResult


def seed_everything(seed: int, threads: int) -> None:
    """Make a run repeatable: one seed for torch and numpy, deterministic kernels, fixed threads."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(max(1, threads))


def validation_split(
    samples: WindowSet, val_fraction: float, gap: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Positions of the training part and the (later, purged) validation part."""
    n = len(samples)
    cut = max(1, min(n - 1, int(n * (1 - val_fraction))))
    val = np.arange(cut, n, dtype=np.int64)
    fit = np.flatnonzero(samples.ends <= samples.ends[cut] - gap).astype(np.int64)
    if fit.size == 0:
        raise ValueError(f"too few training samples ({n}) to carve a validation fold")
    return fit, val


def fit_model(
    model: nn.Module,
    x: tuple[torch.Tensor, torch.Tensor],
    y: tuple[torch.Tensor, torch.Tensor],
    loss_fn: nn.Module,
    config: TrainConfig,
    on_epoch: EpochCallback | None = None,
    name: str = "model",
) -> FitResult:
    """Adam with early stopping on validation loss; restores the best epoch's weights."""
    (x_fit, x_val), (y_fit, y_val) = x, y
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    best_state, best_loss, best_epoch, stale = copy.deepcopy(model.state_dict()), np.inf, 0, 0
    losses: list[float] = []
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(x_fit.shape[0], generator=generator)
        for batch in torch.split(order, config.batch_size):
            optimizer.zero_grad()
            loss_fn(model(x_fit[batch]), y_fit[batch]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(model(x_val), y_val))
        losses.append(val_loss)
        if on_epoch is not None:
            on_epoch(name, epoch, val_loss)
        if val_loss < best_loss:
            best_state, best_loss, best_epoch, stale = (
                copy.deepcopy(model.state_dict()),
                val_loss,
                epoch,
                0,
            )
        else:
            stale += 1
            if stale >= config.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return FitResult(
        best_epoch=best_epoch, best_val_loss=float(best_loss), val_losses=tuple(losses)
    )


def train_fold(
    samples: WindowSet, config: TrainConfig, on_epoch: EpochCallback | None = None
) -> FoldModels:
    """Scale on the training rows, then fit the LSTM (BCE) and the Transformer (Huber)."""
    seed_everything(config.seed, config.threads)
    fit, val = validation_split(samples, config.val_fraction, config.window + config.horizon)
    scaler = Standardizer.fit(samples.x[fit][:, -1, :])
    x_all = torch.from_numpy(scaler.transform(samples.x))
    xs = (x_all[fit], x_all[val])
    n_features = samples.x.shape[2]
    direction = torch.from_numpy(samples.direction.astype(np.float32))
    strength = torch.from_numpy(samples.strength.astype(np.float32))
    lstm = LSTMDirection(n_features, hidden=config.hidden)
    lstm_fit = fit_model(
        lstm, xs, (direction[fit], direction[val]), nn.BCEWithLogitsLoss(), config, on_epoch, "lstm"
    )
    transformer = TrendTransformer(n_features, config.window, d_model=config.hidden)
    transformer_fit = fit_model(
        transformer,
        xs,
        (strength[fit], strength[val]),
        nn.HuberLoss(),
        config,
        on_epoch,
        "transformer",
    )
    return FoldModels(lstm, transformer, scaler, lstm_fit, transformer_fit)


def predict(
    models: FoldModels, windows: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """P(up) and strength for raw (unscaled) windows [N, W, F]."""
    x = torch.from_numpy(models.scaler.transform(windows))
    with torch.no_grad():
        p_up = torch.sigmoid(models.lstm(x)).numpy().astype(np.float64)
        strength = models.transformer(x).numpy().astype(np.float64)
    return p_up, strength
