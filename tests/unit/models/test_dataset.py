from __future__ import annotations

import numpy as np
import pytest

from crpbot.models.dataset import ATR_FEATURE, STRENGTH_CAP, build_windows, targets
from tests.unit.models.conftest import WARMUP, feature_frame


def test_build_windows_shapes_and_warmup_dropped() -> None:
    frame, close = feature_frame(rows=100)
    windows = build_windows(frame, close, window=10, horizon=3)
    first_end = WARMUP + 10 - 1
    assert windows.x.shape == (100 - 3 - first_end, 10, 3)
    assert windows.ends[0] == first_end
    assert windows.ends[-1] == 100 - 3 - 1
    assert not np.isnan(windows.x).any()
    np.testing.assert_array_equal(windows.x[0, -1], frame.iloc[first_end].to_numpy(np.float32))


def test_build_windows_keeps_untargeted_tail_for_inference() -> None:
    frame, close = feature_frame(rows=100)
    windows = build_windows(frame, close, window=10, horizon=3, require_targets=False)
    assert windows.ends[-1] == 99
    assert np.isnan(windows.direction[-3:]).all()


def test_targets_match_hand_computation() -> None:
    close = np.array([100.0, 101.0, 99.0, 99.0, 120.0])
    atr_rel = np.full(5, 0.01)
    direction, strength = targets(close, atr_rel, horizon=2)
    np.testing.assert_array_equal(direction[:3], [0.0, 0.0, 1.0])
    assert np.isnan(direction[3:]).all()
    assert strength[0] == pytest.approx(0.01 / 0.01)
    assert strength[1] == pytest.approx(abs(99 / 101 - 1) / 0.01)
    assert strength[2] == STRENGTH_CAP


@pytest.mark.parametrize("cut", [150, 200, 260])
def test_build_windows_no_lookahead_when_future_bars_change(cut: int) -> None:
    frame, close = feature_frame(rows=300)
    window, horizon = 8, 4
    before = build_windows(frame, close, window, horizon)
    mutated, mutated_close = frame.copy(), close.copy()
    mutated.iloc[cut:] = mutated.iloc[cut:] * 3.0 + 1.0
    mutated_close.iloc[cut:] = mutated_close.iloc[cut:] * 1.5
    after = build_windows(mutated, mutated_close, window, horizon)
    windows_safe = before.ends < cut
    targets_safe = before.ends + horizon < cut
    np.testing.assert_array_equal(after.x[windows_safe], before.x[windows_safe])
    np.testing.assert_array_equal(after.direction[targets_safe], before.direction[targets_safe])
    np.testing.assert_array_equal(after.strength[targets_safe], before.strength[targets_safe])
    assert not np.array_equal(after.x[~windows_safe], before.x[~windows_safe])


def test_build_windows_skips_windows_touching_a_nan_row() -> None:
    frame, close = feature_frame(rows=120)
    frame.iloc[60, 1] = np.nan
    windows = build_windows(frame, close, window=5, horizon=1)
    assert not np.isin(np.arange(60, 65), windows.ends).any()
    assert {59, 65} <= set(windows.ends.tolist())


def test_build_windows_requires_atr_feature() -> None:
    frame, close = feature_frame(rows=50)
    with pytest.raises(ValueError, match=ATR_FEATURE):
        build_windows(frame.drop(columns=[ATR_FEATURE]), close, window=5, horizon=1)
