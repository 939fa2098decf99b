"""The knobs of a training run, apart from the trainer: the artifact's metadata records them,
and reading metadata (as the scanner does with a model server) must not load torch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainConfig:
    """Everything that shapes a training run; stored in the artifact's metadata."""

    window: int = 32
    horizon: int = 4
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 3
    val_fraction: float = 0.2
    hidden: int = 32
    seed: int = 7
    threads: int = 1
