"""A tiny artifact, its two archives unpacked as TorchServe would, and a worker-like context.

The context is TorchServe's own `Context` with `RequestProcessor`s per request, built from
the archive's MANIFEST.json and model-config.yaml, so the handler sees what a worker gives it
(only the metrics sink is a stub).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from ts.context import Context, RequestProcessor

from crpbot_model_server.archive import build_archives
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact


class _Metrics:
    """Accepts the timings BaseHandler.handle reports."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    def add_time(self, name: str, value: float, *args: object) -> None:
        self.times.append((name, value))


@dataclass(frozen=True)
class Unpacked:
    """The folder TorchServe extracts an archive to, with its manifest and model config."""

    model_dir: Path
    manifest: dict[str, object]
    yaml_config: dict[str, object]


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> TinyArtifact:
    return build_tiny_artifact(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def archives(artifact: TinyArtifact, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("mar")
    paths: list[Path] = build_archives(artifact.model_dir, artifact.version, out)
    return paths


def unpack(mar: Path, into: Path) -> Unpacked:
    """Extract like TorchServe's model store does and read what the worker gets."""
    with zipfile.ZipFile(mar) as archive:
        archive.extractall(into)
    manifest = json.loads((into / "MAR-INF" / "MANIFEST.json").read_text())
    yaml_config = yaml.safe_load((into / manifest["model"]["configFile"]).read_text())
    return Unpacked(into, manifest, yaml_config)


def make_context(unpacked: Unpacked, n_requests: int, batch_size: int = 8) -> Context:
    """A worker's context with one RequestProcessor per request of the batch."""
    context = Context(
        unpacked.manifest["model"]["modelName"],  # type: ignore[index]
        str(unpacked.model_dir),
        unpacked.manifest,
        batch_size,
        None,
        "0.12.0",
        metrics=_Metrics(),
        model_yaml_config=unpacked.yaml_config,
    )
    context.request_processor = [RequestProcessor({}) for _ in range(n_requests)]
    return context


@pytest.fixture(scope="module")
def unpacked(archives: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Unpacked]:
    """Both archives extracted, keyed by model kind (lstm, transformer)."""
    kinds = {"crpbot-lstm.mar": "lstm", "crpbot-transformer.mar": "transformer"}
    return {kinds[m.name]: unpack(m, tmp_path_factory.mktemp(kinds[m.name])) for m in archives}
