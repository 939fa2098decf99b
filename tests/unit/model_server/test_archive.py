from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from crpbot.models.versions import ArtifactError
from crpbot_model_server.archive import ArchiveError, build_archives
from tests.fixtures.artifacts import TinyArtifact


def _manifest(mar: Path) -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(mar) as archive:
        manifest: dict[str, dict[str, str]] = json.loads(archive.read("MAR-INF/MANIFEST.json"))
        return manifest


@pytest.mark.parametrize(
    ("index", "name", "kind"),
    [(0, "crpbot-lstm", "lstm"), (1, "crpbot-transformer", "transformer")],
)
def test_build_archives_versions_each_model_with_the_artifact_version(
    archives: list[Path], artifact: TinyArtifact, index: int, name: str, kind: str
) -> None:
    mar = archives[index]
    manifest = _manifest(mar)
    assert mar.name == f"{name}.mar"
    assert manifest["model"]["modelName"] == name
    assert manifest["model"]["modelVersion"] == artifact.version
    assert manifest["model"]["serializedFile"] == f"{kind}.pt"
    with zipfile.ZipFile(mar) as archive:
        names = set(archive.namelist())
        config = yaml.safe_load(archive.read(manifest["model"]["configFile"]))
    assert {f"{kind}.pt", f"{kind}.py", "metadata.json", "handler.py"} <= names
    assert config["handler"]["kind"] == kind
    assert (config["batchSize"], config["maxBatchDelay"]) == (8, 5)


def test_build_archives_uses_latest_when_no_version_is_given(
    artifact: TinyArtifact, tmp_path: Path
) -> None:
    archives = build_archives(artifact.model_dir, None, tmp_path / "out")
    assert [_manifest(m)["model"]["modelVersion"] for m in archives] == [artifact.version] * 2


def test_build_archives_refuses_an_unknown_version(artifact: TinyArtifact, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="model version nope not found"):
        build_archives(artifact.model_dir, "nope", tmp_path)


def test_build_archives_names_a_missing_weight_file(artifact: TinyArtifact, tmp_path: Path) -> None:
    folder = tmp_path / "models" / artifact.version
    folder.mkdir(parents=True)
    for path in (artifact.model_dir / artifact.version).iterdir():
        if path.name != "transformer.pt":
            (folder / path.name).write_bytes(path.read_bytes())
    with pytest.raises(ArchiveError, match=r"transformer\.pt is missing"):
        build_archives(tmp_path / "models", artifact.version, tmp_path / "out")
