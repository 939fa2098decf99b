from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crpbot.confidence.calibration import Calibrator
from crpbot.models.artifacts import load_artifact, save_artifact
from crpbot.models.backend import FeatureMismatchError, InferenceBackend
from crpbot.models.dataset import WindowSet
from crpbot.models.inference import InProcessBackend
from crpbot.models.metadata import METADATA_ADAPTER, ArtifactMetadata, CodeVersion, DataInfo
from crpbot.models.splits import SplitConfig
from crpbot.models.train import FoldModels, predict, train_fold
from crpbot.models.train_config import TrainConfig
from crpbot.models.versions import (
    LATEST,
    METADATA_FILE,
    ArtifactError,
    read_metadata,
    read_predictions,
)


def _metadata(samples: WindowSet, models: FoldModels, config: TrainConfig) -> ArtifactMetadata:
    return ArtifactMetadata(
        model_version="",
        feature_names=samples.feature_names,
        window=config.window,
        horizon=config.horizon,
        seed=config.seed,
        scaler=models.scaler,
        calibrator=Calibrator("platt", params=(1.2, -0.1)),
        strength_ref=1.0,
        train=config,
        splits=SplitConfig(purge=8),
        folds=(),
        data=DataInfo("synthetic", "TEST-USD", 400, "a", "b", "0" * 64),
        metrics={"test_auc": 0.5},
        code=CodeVersion("0.1.0", None),
        created_at=datetime(2024, 1, 1, tzinfo=UTC).isoformat(),
    )


@pytest.fixture
def saved(samples: WindowSet, tiny_config: TrainConfig, tmp_path: Path) -> tuple[Path, FoldModels]:
    models = train_fold(samples, tiny_config)
    table = pd.DataFrame({"ts": samples.ts[:3], "part": "test"})
    save_artifact(tmp_path, models, _metadata(samples, models, tiny_config), table)
    return tmp_path, models


def test_artifact_round_trip_gives_identical_predictions(
    saved: tuple[Path, FoldModels], samples: WindowSet
) -> None:
    model_dir, models = saved
    loaded = load_artifact(model_dir)
    expected = predict(models, samples.x)
    got = predict(loaded.models, samples.x)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert loaded.metadata.calibrator == Calibrator("platt", params=(1.2, -0.1))
    assert loaded.metadata.model_version == (model_dir / LATEST).read_text().strip()


@pytest.mark.parametrize(
    "calibrator",
    [Calibrator("identity"), Calibrator("isotonic", xs=(0.1, 0.9), ys=(0.3, 0.7))],
    ids=["identity", "isotonic"],
)
def test_artifact_metadata_round_trips_the_calibration_choice(
    saved: tuple[Path, FoldModels], calibrator: Calibrator
) -> None:
    """The identity ("no calibration") is a choice the artifact must remember as such."""
    model_dir, _ = saved
    folder = model_dir / (model_dir / LATEST).read_text().strip()
    meta = replace(read_metadata(folder), calibrator=calibrator)
    (folder / METADATA_FILE).write_bytes(METADATA_ADAPTER.dump_json(meta))
    loaded = read_metadata(folder).calibrator
    assert loaded == calibrator
    probe = np.array([0.2, 0.5, 0.8])
    np.testing.assert_array_equal(loaded.apply(probe), calibrator.apply(probe))


def test_artifact_folder_ships_model_code_and_metadata(saved: tuple[Path, FoldModels]) -> None:
    model_dir, _ = saved
    folder = model_dir / (model_dir / LATEST).read_text().strip()
    names = {p.name for p in folder.iterdir()}
    assert {"lstm.pt", "transformer.pt", "lstm.py", "transformer.py", "metadata.json"} <= names
    meta = read_metadata(folder)
    assert meta.feature_names == ("ret_1", "noise", "ATRr_14_rel")
    assert len(meta.scaler.mean) == 3
    assert len(read_predictions(folder)) == 3


def test_in_process_backend_predicts_like_the_models(
    saved: tuple[Path, FoldModels], samples: WindowSet
) -> None:
    model_dir, models = saved
    in_process = InProcessBackend(model_dir)
    backend: InferenceBackend = in_process
    out = backend.predict(samples.x[:5], list(samples.feature_names))
    np.testing.assert_array_equal(out.p_up, predict(models, samples.x[:5])[0])
    np.testing.assert_array_equal(out.strength, predict(models, samples.x[:5])[1])
    assert out.model_version == in_process.metadata.model_version


@pytest.mark.parametrize(
    ("names", "shape", "message"),
    [
        (["noise", "ret_1", "ATRr_14_rel"], None, "order differs at position 0"),
        (["ret_1", "noise"], None, "missing"),
        (["ret_1", "noise", "ATRr_14_rel", "extra"], None, "unexpected"),
        (None, (5, 4, 3), "shape"),
    ],
)
def test_in_process_backend_rejects_mismatched_features(
    saved: tuple[Path, FoldModels],
    samples: WindowSet,
    names: list[str] | None,
    shape: tuple[int, int, int] | None,
    message: str,
) -> None:
    backend = InProcessBackend(saved[0])
    windows = np.zeros(shape, dtype=np.float32) if shape else samples.x[:5]
    with pytest.raises(FeatureMismatchError, match=message):
        backend.predict(windows, names or list(samples.feature_names))


def test_load_artifact_without_training_says_so(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="crpbot train"):
        load_artifact(tmp_path)
