"""The artifact's metadata record: everything inference and audits need besides the weights.

Plain dataclasses, serialised to JSON with pydantic's TypeAdapter so nested records and tuples
round-trip without hand-written parsing.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter

import crpbot
from crpbot.confidence.calibration import Calibrator
from crpbot.models.scaling import Standardizer
from crpbot.models.splits import SplitConfig
from crpbot.models.train_config import TrainConfig


@dataclass(frozen=True)
class DataInfo:
    """Which bars the models saw: source spec, symbol, span and a content hash."""

    source: str
    symbol: str
    rows: int
    first_ts: str
    last_ts: str
    sha256: str


@dataclass(frozen=True)
class CodeVersion:
    """Package version and, when run from a git checkout, the commit."""

    package: str
    git_sha: str | None


@dataclass(frozen=True)
class FoldSpan:
    """One walk-forward fold in time (end bars of its first/last samples, ISO 8601)."""

    number: int
    train_last: str
    calib_first: str
    calib_last: str
    test_first: str
    test_last: str
    calibration_method: str
    calibration_val_log_loss: dict[str, float]


@dataclass(frozen=True)
class ArtifactMetadata:
    """Stored as metadata.json beside the weights; `feature_names` order is the input order."""

    model_version: str
    feature_names: tuple[str, ...]
    window: int
    horizon: int
    seed: int
    scaler: Standardizer
    calibrator: Calibrator
    strength_ref: float
    train: TrainConfig
    splits: SplitConfig
    folds: tuple[FoldSpan, ...]
    data: DataInfo
    metrics: dict[str, float]
    code: CodeVersion
    created_at: str


METADATA_ADAPTER: TypeAdapter[ArtifactMetadata] = TypeAdapter(ArtifactMetadata)


def candles_hash(candles: pd.DataFrame) -> str:
    """SHA-256 over the bar times and OHLCV values: same bars, same hash, on any machine."""
    digest = hashlib.sha256()
    digest.update(pd.DatetimeIndex(candles.index).as_unit("ns").asi8.tobytes())
    for column in ("open", "high", "low", "close", "volume"):
        digest.update(candles[column].to_numpy(dtype="float64").tobytes())
    return digest.hexdigest()


def code_version() -> CodeVersion:
    """The running code's version; the git sha is best effort (absent outside a checkout)."""
    here = Path(crpbot.__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return CodeVersion(package=crpbot.__version__, git_sha=None)
    sha = result.stdout.strip() if result.returncode == 0 else None
    return CodeVersion(package=crpbot.__version__, git_sha=sha or None)
