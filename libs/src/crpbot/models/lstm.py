"""LSTM direction model: a window of features in, the logit of P(close[t+h] > close[t]) out.

This file is copied beside every artifact's state_dict, so it imports nothing but torch and
the artifact can be rebuilt from its own folder (TorchServe handlers load it that way).
"""

from __future__ import annotations

import torch
from torch import nn


class LSTMDirection(nn.Module):
    """One or two LSTM layers read the window; the last hidden state feeds a linear head.

    Small on purpose (hidden 32): the bundled series has a few thousand samples and a larger
    net only memorises them faster.
    """

    def __init__(
        self, n_features: int, hidden: int = 32, layers: int = 1, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            input_size=n_features,
            hidden_size=hidden,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [batch, W, F] -> logits [batch]."""
        out, _ = self.lstm(x)
        logits: torch.Tensor = self.head(self.drop(out[:, -1, :]))
        return logits.squeeze(-1)
