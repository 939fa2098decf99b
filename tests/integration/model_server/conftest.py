"""One real TorchServe per module with both crpbot models of a tiny artifact registered.

The JVM and one Python worker per model take tens of seconds to start on a busy 2-core
machine, so the server is shared by a module's tests; the module's last test stops it on
purpose (the breaker test), and the fixture stops it anyway when the module ends, even after
failures. Without Java the tests skip with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.versions import read_metadata
from crpbot_model_server.archive import MODEL_NAMES, build_archives
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact
from tests.fixtures.scan_env import local_scan_env
from tests.fixtures.torchserve import NO_JAVA, TorchServeServer, java_available, running_torchserve


@dataclass(frozen=True)
class Served:
    """The running server, the artifact it serves and that artifact's metadata."""

    server: TorchServeServer
    artifact: TinyArtifact
    metadata: ArtifactMetadata


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """TorchServe with crpbot-lstm and crpbot-transformer registered (one worker each)."""
    if not java_available():
        pytest.skip(NO_JAVA)
    root = tmp_path_factory.mktemp("torchserve")
    artifact = build_tiny_artifact(root / "models")
    store = root / "model-store"
    build_archives(artifact.model_dir, artifact.version, store)
    with running_torchserve(store, root / "server") as server:
        # Both workers load in parallel: registering one after the other doubles the wait.
        with ThreadPoolExecutor(max_workers=2) as pool:
            loads = [pool.submit(server.register, f"{name}.mar") for name in MODEL_NAMES.values()]
            for load in loads:
                load.result()
        metadata = read_metadata(artifact.model_dir / artifact.version)
        yield Served(server, artifact, metadata)


@pytest.fixture
def scan_on_torchserve(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Environment of a `crpbot scan --once` whose models run on `served`, on a fresh SQLite.

    The gate and tiers sit at 0.5 so the untrained networks' output always makes a signal;
    the risk guard runs in-process on the same database; the scanner holds the server's key.
    """
    env = {
        **local_scan_env(tmp_path, served.artifact.model_dir, bot="ts-bot"),
        "CRPBOT_INFERENCE": "torchserve",
        "CRPBOT_TORCHSERVE_URL": served.server.inference_url,
        "CRPBOT_TORCHSERVE_KEY": served.server.key,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
