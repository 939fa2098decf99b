"""A tiny artifact, its two archives unpacked as TorchServe would, and a worker-like context.

The context is TorchServe's own `Context` with `RequestProcessor`s per request, built from
the archive's MANIFEST.json and model-config.yaml, so the handler sees what a worker gives it
(only the metrics sink is a stub). Every request carries the bearer key the autouse
`server_key` fixture gives the worker, unless a test passes other headers.
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
from crpbot_model_server.auth import KEY_ENV
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


SERVER_KEY = "unit-test-key-0123456789abcdef"
AUTHORIZED = {"Authorization": f"Bearer {SERVER_KEY}"}


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def server_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The key a worker loads at initialize, as the operator's Secret would set it."""
    monkeypatch.setenv(KEY_ENV, SERVER_KEY)
    return SERVER_KEY


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


def make_context(
    unpacked: Unpacked,
    n_requests: int,
    batch_size: int = 8,
    headers: list[dict[str, str]] | None = None,
) -> Context:
    """A worker's context with one RequestProcessor per request of the batch.

    `headers` are the requests' HTTP headers, one dict per request; default: the right key.
    """
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
    per_request = headers if headers is not None else [AUTHORIZED] * n_requests
    context.request_processor = [RequestProcessor(dict(h)) for h in per_request]
    return context


@pytest.fixture(scope="module")
def unpacked(archives: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Unpacked]:
    """Both archives extracted, keyed by model kind (lstm, transformer)."""
    kinds = {"crpbot-lstm.mar": "lstm", "crpbot-transformer.mar": "transformer"}
    return {kinds[m.name]: unpack(m, tmp_path_factory.mktemp(kinds[m.name])) for m in archives}
