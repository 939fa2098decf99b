"""`newest_window`: the scanner's newest-rows features give the window the full `model_features`
frame gives (within float32 rounding of last-bit differences), and the same refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crpbot.data.bundled import load_bundled
from crpbot.features.scale_free import OBV_WINDOW, model_features
from crpbot.models.inference import InProcessBackend
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.scoring import newest_window
from tests.fixtures.artifacts import build_tiny_artifact

WINDOW = 8


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> ArtifactMetadata:
    model_dir: Path = tmp_path_factory.mktemp("scoring-models")
    build_tiny_artifact(model_dir, bars=400, window=WINDOW)
    return InProcessBackend(model_dir).metadata


@pytest.mark.parametrize(
    "bars",
    [WINDOW - 1, WINDOW, WINDOW + OBV_WINDOW - 1, WINDOW + OBV_WINDOW, 200, 201, 260, 1000],
)
@pytest.mark.parametrize("market", ["EURUSD", "GOOG"])
def test_newest_window_equals_the_full_feature_frames_window(
    metadata: ArtifactMetadata, market: str, bars: int
) -> None:
    candles = load_bundled(market).iloc[-bars:]
    fast = newest_window(candles, metadata)
    reference = newest_window(candles, metadata, features=model_features(candles))
    if reference is None:
        assert fast is None
        return
    assert fast is not None
    assert fast.ts == reference.ts
    assert fast.close == reference.close
    np.testing.assert_allclose(fast.x, reference.x, rtol=1e-6, atol=1e-9)
    assert fast.atr_rel == pytest.approx(reference.atr_rel, rel=1e-6)


def test_newest_window_is_none_before_the_longest_warm_up(metadata: ArtifactMetadata) -> None:
    """The 200-bar averages: 200 bars give their first value at the newest bar only."""
    candles = load_bundled("EURUSD").iloc[:-1]
    assert newest_window(candles.iloc[-(200 + WINDOW - 2) :], metadata) is None
    assert newest_window(candles.iloc[-(200 + WINDOW - 1) :], metadata) is not None
