"""The metadata a scanner calibrates with, from trained versions or from TorchServe archives.

A local `model_dir` holds what `crpbot train` writes (version folders and LATEST). In a
cluster the scanner's pod gets what the model server's pod gets: the operator's
`fetch-models` init container copies the bot's two archives (`crpbot-lstm.mar`,
`crpbot-transformer.mar`) into its model store, and nothing else. Each archive carries the
artifact's `metadata.json` (`crpbot_model_server.archive`), and TorchServe serves it under
that metadata's model version, so reading it there pins the scanner to exactly what the
server loaded, whatever label the bot's spec used to pick the archives. Torch-free (zipfile
only), like the rest of the scanner's model-server path.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from crpbot.models.metadata import METADATA_ADAPTER, ArtifactMetadata
from crpbot.models.torchserve import MODELS
from crpbot.models.versions import (
    LATEST,
    METADATA_FILE,
    ArtifactError,
    read_metadata,
    resolve_version,
)

ARCHIVE_SUFFIX = ".mar"


def archive_names() -> list[str]:
    """The archive files a model store must hold, one per model the scanner asks."""
    return [f"{name}{ARCHIVE_SUFFIX}" for name, _ in MODELS.values()]


def _archive_metadata(path: Path) -> ArtifactMetadata:
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(METADATA_FILE)
        return METADATA_ADAPTER.validate_json(raw)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(f"unreadable {METADATA_FILE} in {path}: {exc}") from exc


def archived_metadata(store: Path) -> ArtifactMetadata:
    """The artifact both archives in `store` were built from.

    Both models are asked at one version with one calibration, so archives of two different
    trained sets are refused rather than half of the answers being 404s.
    """
    missing = [name for name in archive_names() if not (store / name).is_file()]
    if missing:
        raise ArtifactError(f"{', '.join(missing)} missing in {store}")
    found = {name: _archive_metadata(store / name) for name in archive_names()}
    versions = {meta.model_version for meta in found.values()}
    if len(versions) > 1:
        pairs = ", ".join(f"{name}: {meta.model_version}" for name, meta in found.items())
        raise ArtifactError(
            f"the archives in {store} come from different trained versions ({pairs}); "
            "give both models the same version"
        )
    return next(iter(found.values()))


def scoring_metadata(model_dir: Path) -> ArtifactMetadata:
    """The metadata of the version LATEST names when `model_dir` holds trained versions,
    else of the TorchServe archives it holds (a model store filled by `fetch-models`)."""
    if (model_dir / LATEST).is_file() or not any(model_dir.glob(f"*{ARCHIVE_SUFFIX}")):
        return read_metadata(resolve_version(model_dir))
    return archived_metadata(model_dir)
