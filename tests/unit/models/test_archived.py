"""The metadata a scanner calibrates with, read from TorchServe archives (what the cluster's
`fetch-models` copies into its model store) or from a trained model folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crpbot.models.archived import archive_names, archived_metadata, scoring_metadata
from crpbot.models.versions import ArtifactError, read_metadata, resolve_version
from crpbot_model_server.archive import build_archives
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> list[TinyArtifact]:
    """Two trained sets of different versions (different seeds)."""
    return [
        build_tiny_artifact(tmp_path_factory.mktemp(f"models-{seed}"), seed=seed) for seed in (0, 1)
    ]


@pytest.fixture(scope="module")
def stores(artifacts: list[TinyArtifact], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Each artifact's two archives in a folder of their own, as `fetch-models` leaves them."""
    out = []
    for artifact in artifacts:
        store = tmp_path_factory.mktemp("store")
        build_archives(artifact.model_dir, artifact.version, store)
        out.append(store)
    return out


def _store_of(tmp_path: Path, *archives: Path) -> Path:
    for archive in archives:
        shutil.copyfile(archive, tmp_path / archive.name)
    return tmp_path


def test_archived_metadata_is_the_artifacts_own(
    artifacts: list[TinyArtifact], stores: list[Path]
) -> None:
    meta = archived_metadata(stores[0])

    assert meta.model_version == artifacts[0].version
    assert meta == read_metadata(resolve_version(artifacts[0].model_dir))


def test_archived_metadata_refuses_archives_of_two_trained_versions(
    artifacts: list[TinyArtifact], stores: list[Path], tmp_path: Path
) -> None:
    lstm, transformer = archive_names()
    store = _store_of(tmp_path, stores[0] / lstm, stores[1] / transformer)

    with pytest.raises(ArtifactError, match="different trained versions") as caught:
        archived_metadata(store)

    message = str(caught.value)
    assert f"{lstm}: {artifacts[0].version}" in message
    assert f"{transformer}: {artifacts[1].version}" in message


@pytest.mark.parametrize("kept", archive_names())
def test_archived_metadata_names_a_missing_archive(
    stores: list[Path], tmp_path: Path, kept: str
) -> None:
    store = _store_of(tmp_path, stores[0] / kept)
    (missing,) = set(archive_names()) - {kept}

    with pytest.raises(ArtifactError, match=f"{missing} missing in {store}"):
        archived_metadata(store)


@pytest.mark.parametrize("content", [b"not a zip", b""])
def test_archived_metadata_turns_an_unreadable_archive_into_an_artifact_error(
    stores: list[Path], tmp_path: Path, content: bytes
) -> None:
    lstm, transformer = archive_names()
    store = _store_of(tmp_path, stores[0] / transformer)
    (store / lstm).write_bytes(content)

    with pytest.raises(ArtifactError, match=f"unreadable metadata.json in {store / lstm}"):
        archived_metadata(store)


def test_scoring_metadata_reads_a_model_store_of_archives(
    artifacts: list[TinyArtifact], stores: list[Path]
) -> None:
    assert scoring_metadata(stores[1]).model_version == artifacts[1].version


def test_scoring_metadata_prefers_the_version_latest_names(
    artifacts: list[TinyArtifact], stores: list[Path], tmp_path: Path
) -> None:
    """A trained folder that also holds archives of another version is still read as trained."""
    model_dir = tmp_path / "models"
    shutil.copytree(artifacts[0].model_dir, model_dir)
    _store_of(model_dir, *(stores[1] / name for name in archive_names()))

    assert scoring_metadata(model_dir).model_version == artifacts[0].version


def test_scoring_metadata_of_an_empty_folder_says_there_are_no_models(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=f"no trained models in {tmp_path}"):
        scoring_metadata(tmp_path)
