"""Transformer trend-strength model: a window of features in, expected |move| / ATR out.

This file is copied beside every artifact's state_dict, so it imports nothing but torch and
the artifact can be rebuilt from its own folder (TorchServe handlers load it that way).
"""

from __future__ import annotations

import torch
from torch import nn


class TrendTransformer(nn.Module):
    """A small encoder (d_model 32, 2 layers) over the window with learned positions.

    The output goes through softplus because the target (a move in ATR units) is never
    negative; mean pooling over time keeps it insensitive to a single noisy bar.
    """

    def __init__(
        self,
        n_features: int,
        window: int,
        d_model: int = 32,
        heads: int = 4,
        layers: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.position = nn.Parameter(torch.zeros(1, window, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model=d_model,
            nhead=heads,
            dim_feedforward=2 * d_model,
            dropout=dropout,
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [batch, W, F] -> predicted strength [batch], >= 0."""
        hidden = self.encoder(self.embed(x) + self.position[:, : x.shape[1], :])
        return nn.functional.softplus(self.head(hidden.mean(dim=1))).squeeze(-1)
