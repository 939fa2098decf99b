"""Find a model version's folder and read what it holds besides the weights: metadata and the
out-of-sample predictions. Torch-free, so processes that only need the metadata (the scanner
asking a model server, the model archiver, the CLI) never load the model runtime.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crpbot.models.metadata import METADATA_ADAPTER, ArtifactMetadata

LATEST = "LATEST"
METADATA_FILE = "metadata.json"
PREDICTIONS_FILE = "oos_predictions.parquet"


class ArtifactError(ValueError):
    """The model directory is missing, incomplete or unreadable."""


def resolve_version(model_dir: Path, version: str | None = None) -> Path:
    """The folder of `version`, or of the one LATEST names."""
    if version is None:
        latest = model_dir / LATEST
        if not latest.is_file():
            raise ArtifactError(f"no trained models in {model_dir} (run `crpbot train` first)")
        version = latest.read_text().strip()
    folder = model_dir / version
    if not (folder / METADATA_FILE).is_file():
        raise ArtifactError(f"model version {version} not found in {model_dir}")
    return folder


def read_metadata(folder: Path) -> ArtifactMetadata:
    """Parse metadata.json, turning a corrupt file into an ArtifactError."""
    try:
        return METADATA_ADAPTER.validate_json((folder / METADATA_FILE).read_bytes())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"unreadable metadata in {folder}: {exc}") from exc


def read_predictions(folder: Path) -> pd.DataFrame:
    """The out-of-sample predictions saved with the artifact."""
    path = folder / PREDICTIONS_FILE
    if not path.is_file():
        raise ArtifactError(f"{path} is missing; retrain with `crpbot train`")
    return pd.read_parquet(path)
