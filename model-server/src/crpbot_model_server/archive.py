"""Build TorchServe archives (.mar) from a trained artifact version.

Two archives per version, `crpbot-lstm.mar` and `crpbot-transformer.mar` (TorchServe model
names `crpbot-lstm`, `crpbot-transformer`), each versioned with the artifact's model version
so a client can pin `/predictions/<name>/<version>` to the weights whose calibrator it uses.
Each archive carries the handler, its model code and state_dict, the artifact's
metadata.json (features, window, scaler) and a model-config.yaml (batching, workers and the
handler kind) from `crpbot_model_server/model_config/`. The handler imports `crpbot` and
`crpbot_model_server`, which the model-server image installs beside TorchServe.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from model_archiver.model_archiver_config import ModelArchiverConfig
from model_archiver.model_packaging import generate_model_archive

from crpbot.models.versions import METADATA_FILE, read_metadata, resolve_version

MODEL_NAMES: dict[str, str] = {"lstm": "crpbot-lstm", "transformer": "crpbot-transformer"}


class ArchiveError(ValueError):
    """The artifact cannot be archived (missing files, unwritable output)."""


def _package_file(*parts: str) -> Path:
    """A file shipped in this package (the handler is not imported: that would load torch)."""
    return Path(str(resources.files("crpbot_model_server").joinpath(*parts)))


def _archive_one(kind: str, folder: Path, version: str, out_dir: Path) -> Path:
    for name in (f"{kind}.pt", f"{kind}.py", METADATA_FILE):
        if not (folder / name).is_file():
            raise ArchiveError(f"{folder / name} is missing; retrain with `crpbot train`")
    config = ModelArchiverConfig(
        model_name=MODEL_NAMES[kind],
        handler=str(_package_file("handler.py")),
        version=version,
        serialized_file=str(folder / f"{kind}.pt"),
        model_file=str(folder / f"{kind}.py"),
        extra_files=str(folder / METADATA_FILE),
        export_path=str(out_dir),
        force=True,
        config_file=str(_package_file("model_config", f"{kind}.yaml")),
    )
    generate_model_archive(config)
    return out_dir / f"{MODEL_NAMES[kind]}.mar"


def build_archives(model_dir: Path, version: str | None, out_dir: Path) -> list[Path]:
    """Write both archives of `version` (LATEST when None) into `out_dir`; returns their paths."""
    folder = resolve_version(model_dir, version)
    meta = read_metadata(folder)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create {out_dir}: {exc.strerror}") from exc
    return [_archive_one(kind, folder, meta.model_version, out_dir) for kind in MODEL_NAMES]
