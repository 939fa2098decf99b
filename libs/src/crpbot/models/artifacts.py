"""Write and read a trained model set: state_dicts, the model code, metadata.json.

Layout of `<model_dir>/<version>/`:

- `lstm.pt`, `transformer.pt`: state_dicts (loaded with `weights_only=True`, no pickle code);
- `lstm.py`, `transformer.py`: the exact model classes, copied so the folder rebuilds itself
  (TorchServe archives it as is; `torch.jit.script` is deprecated, `torch.export` would fix
  the window length in the graph);
- `metadata.json`: features in order, scaler, calibrator, window, horizon, data hash, metrics,
  code version, seed;
- `oos_predictions.parquet`: the walk-forward out-of-sample predictions `crpbot evaluate` reads.

`<model_dir>/LATEST` names the newest version. The version is a hash of the weights and the
metadata (creation time included), so two runs never overwrite each other.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import torch

from crpbot.models import lstm as lstm_module
from crpbot.models import transformer as transformer_module
from crpbot.models.lstm import LSTMDirection
from crpbot.models.metadata import METADATA_ADAPTER, ArtifactMetadata
from crpbot.models.train import FitResult, FoldModels
from crpbot.models.transformer import TrendTransformer
from crpbot.models.versions import (
    LATEST,
    METADATA_FILE,
    PREDICTIONS_FILE,
    ArtifactError,
    read_metadata,
    resolve_version,
)


@dataclass
class LoadedArtifact:
    """Models in eval mode plus their metadata, ready for inference."""

    path: Path
    metadata: ArtifactMetadata
    models: FoldModels


def _weights_bytes(module: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getvalue()


def save_artifact(
    model_dir: Path, models: FoldModels, metadata: ArtifactMetadata, predictions: pd.DataFrame
) -> Path:
    """Write a new version folder and point LATEST at it; returns the folder."""
    lstm_bytes, transformer_bytes = _weights_bytes(models.lstm), _weights_bytes(models.transformer)
    unversioned = METADATA_ADAPTER.dump_json(replace(metadata, model_version=""))
    version = hashlib.sha256(lstm_bytes + transformer_bytes + unversioned).hexdigest()[:12]
    final = replace(metadata, model_version=version)
    folder = model_dir / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lstm.pt").write_bytes(lstm_bytes)
    (folder / "transformer.pt").write_bytes(transformer_bytes)
    for module in (lstm_module, transformer_module):
        shutil.copyfile(str(module.__file__), folder / Path(str(module.__file__)).name)
    (folder / METADATA_FILE).write_bytes(METADATA_ADAPTER.dump_json(final, indent=2))
    predictions.to_parquet(folder / PREDICTIONS_FILE)
    (model_dir / LATEST).write_text(version + "\n")
    return folder


def load_artifact(model_dir: Path, version: str | None = None) -> LoadedArtifact:
    """Rebuild both models from their state_dicts with the shapes the metadata records."""
    folder = resolve_version(model_dir, version)
    meta = read_metadata(folder)
    n_features = len(meta.feature_names)
    lstm = LSTMDirection(n_features, hidden=meta.train.hidden)
    transformer = TrendTransformer(n_features, meta.window, d_model=meta.train.hidden)
    try:
        lstm.load_state_dict(torch.load(folder / "lstm.pt", weights_only=True))
        transformer.load_state_dict(torch.load(folder / "transformer.pt", weights_only=True))
    except (OSError, RuntimeError) as exc:
        raise ArtifactError(f"cannot load weights from {folder}: {exc}") from exc
    lstm.eval()
    transformer.eval()
    unknown = FitResult(best_epoch=0, best_val_loss=float("nan"), val_losses=())
    models = FoldModels(lstm, transformer, meta.scaler, unknown, unknown)
    return LoadedArtifact(path=folder, metadata=meta, models=models)
