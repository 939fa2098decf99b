"""Sliding windows over the feature matrix, with targets that only the future knows.

A sample is identified by its end bar t. Its window holds feature rows t-W+1..t (all known once
bar t has closed); its targets look h bars ahead:

- direction = 1 if close[t+h] > close[t] else 0 (ties count as "not up");
- trend strength = |close[t+h] / close[t] - 1| / (ATR_t / close_t), clipped to
  [0, STRENGTH_CAP]: the size of the coming move in units of the current average true range,
  so "strong" means the same on a quiet pair and on a volatile coin. ATR is Wilder's 14-bar
  ATR from the feature catalog (`ATRr_14_rel` = ATR / close).

Rows with any NaN feature (indicator warm-up) are dropped: a window is kept only if all W of
its rows are complete, and a target only if bar t+h exists. Nothing in a window or its end
bar reads past t, which the unit tests check by mutating later bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

ATR_FEATURE = "ATRr_14_rel"
STRENGTH_CAP = 5.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class WindowSet:
    """Model inputs and targets, one row per sample, ordered by end bar.

    `ends` are positions of each window's last bar in the source frame; `ts` its open time.
    """

    x: npt.NDArray[np.float32]
    direction: FloatArray
    strength: FloatArray
    ends: IntArray
    ts: pd.DatetimeIndex
    feature_names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.ends.size)

    def take(self, rows: IntArray) -> WindowSet:
        """The samples at positions `rows` (positions in this set, not bar positions)."""
        return WindowSet(
            x=self.x[rows],
            direction=self.direction[rows],
            strength=self.strength[rows],
            ends=self.ends[rows],
            ts=self.ts[rows],
            feature_names=self.feature_names,
        )


def targets(close: FloatArray, atr_rel: FloatArray, horizon: int) -> tuple[FloatArray, FloatArray]:
    """Direction and strength per end bar; NaN where bar t+h does not exist or ATR is unknown."""
    if horizon < 1:
        raise ValueError("horizon must be at least 1 bar")
    n = close.size
    future = np.full(n, np.nan)
    future[: max(n - horizon, 0)] = close[horizon:]
    move = future / close - 1.0
    direction = np.where(np.isnan(future), np.nan, (future > close).astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = np.clip(np.abs(move) / atr_rel, 0.0, STRENGTH_CAP)
    strength[~(atr_rel > 0)] = np.nan
    return direction, strength


def complete_window_ends(matrix: FloatArray, window: int) -> IntArray:
    """End positions whose W rows are all free of NaN (warm-up and gaps excluded)."""
    if window < 1:
        raise ValueError("window must be at least 1 bar")
    complete = ~np.isnan(matrix).any(axis=1)
    run = np.concatenate([[0], np.cumsum(complete)])
    ends = np.arange(window - 1, matrix.shape[0])
    full = run[ends + 1] - run[ends + 1 - window] == window
    return np.asarray(ends[full], dtype=np.int64)


def stack_windows(matrix: FloatArray, ends: IntArray, window: int) -> npt.NDArray[np.float32]:
    """Windows [len(ends), W, F] ending at `ends` (a view-free copy, float32 for torch)."""
    views = np.lib.stride_tricks.sliding_window_view(matrix, window, axis=0)
    return np.ascontiguousarray(views[ends - window + 1].transpose(0, 2, 1), dtype=np.float32)


def build_windows(
    features: pd.DataFrame,
    close: pd.Series,
    window: int,
    horizon: int,
    *,
    require_targets: bool = True,
) -> WindowSet:
    """Windows over `features` (columns in model order) with targets from `close`.

    With `require_targets=False` the last h windows are kept with NaN targets, for inference.
    """
    if not features.index.equals(close.index):
        raise ValueError("features and close must share one index")
    if ATR_FEATURE not in features.columns:
        raise ValueError(f"features lack {ATR_FEATURE}, needed to scale trend strength")
    matrix = features.to_numpy(dtype=np.float64)
    close_values = close.to_numpy(dtype=np.float64)
    atr_rel = features[ATR_FEATURE].to_numpy(dtype=np.float64)
    direction, strength = targets(close_values, atr_rel, horizon)
    ends = complete_window_ends(matrix, window)
    if require_targets:
        ends = ends[~np.isnan(direction[ends]) & ~np.isnan(strength[ends])]
    return WindowSet(
        x=stack_windows(matrix, ends, window),
        direction=direction[ends],
        strength=strength[ends],
        ends=ends,
        ts=pd.DatetimeIndex(features.index[ends]),
        feature_names=tuple(str(c) for c in features.columns),
    )


def samples_from_candles(candles: pd.DataFrame, window: int, horizon: int) -> WindowSet:
    """Scale-free catalog features of `candles`, windowed with targets: what training sees."""
    from crpbot.features.scale_free import model_features

    return build_windows(model_features(candles), candles["close"], window, horizon)
