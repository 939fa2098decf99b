"""The scanner's wiring: the settings a scanner process honours reach its ScanConfig, and its
model-server backend is pinned to the metadata its `model_dir` holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from crpbot.config import Settings
from crpbot.scan.adapters import ArtifactModel
from crpbot_model_server.archive import build_archives
from crpbot_workers.scanner.wiring import WiringError, make_backend, scan_config
from tests.fixtures.artifacts import build_tiny_artifact


@pytest.mark.parametrize("enabled", [True, False])
def test_scan_config_follows_notify_outage_alerts(enabled: bool) -> None:
    settings = Settings(notify={"outage_alerts": enabled})

    assert scan_config(settings).outage_alerts is enabled


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A model store as the cluster's `fetch-models` leaves it: the two archives, no LATEST."""
    artifact = build_tiny_artifact(tmp_path_factory.mktemp("models"))
    store = tmp_path_factory.mktemp("model-store")
    build_archives(artifact.model_dir, artifact.version, store)
    return store, artifact.version


def test_make_backend_pins_torchserve_to_the_fetched_archives_version(
    model_store: tuple[Path, str],
) -> None:
    store, version = model_store
    settings = Settings(inference="torchserve", model_dir=store)

    model = make_backend(settings)

    assert isinstance(model, ArtifactModel)
    assert model.metadata.model_version == version


def test_make_backend_refuses_torchserve_without_models_in_one_line(tmp_path: Path) -> None:
    settings = Settings(inference="torchserve", model_dir=tmp_path)

    with pytest.raises(WiringError, match=f"no trained models in {tmp_path}"):
        make_backend(settings)
