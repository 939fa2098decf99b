import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact

runner = CliRunner()


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> TinyArtifact:
    return build_tiny_artifact(tmp_path_factory.mktemp("models"))


def test_model_archive_writes_both_archives_of_the_latest_version(
    artifact: TinyArtifact, tmp_path: Path
) -> None:
    out = tmp_path / "archives"
    args = ["model", "archive", "--model-dir", str(artifact.model_dir), "--out", str(out)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer == {
        "model_version": artifact.version,
        "archives": [str(out / "crpbot-lstm.mar"), str(out / "crpbot-transformer.mar")],
    }
    for mar in answer["archives"]:
        with zipfile.ZipFile(mar) as archive:
            manifest = json.loads(archive.read("MAR-INF/MANIFEST.json"))
        assert manifest["model"]["modelVersion"] == artifact.version


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--version", "0123456789ab"], "model version 0123456789ab not found"),
        (["--model-dir", "/nonexistent/models"], "no trained models in /nonexistent/models"),
    ],
)
def test_model_archive_fails_in_one_line_on_a_missing_version(
    artifact: TinyArtifact, tmp_path: Path, extra: list[str], message: str
) -> None:
    args = ["model", "archive", "--model-dir", str(artifact.model_dir), "--out", str(tmp_path)]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_model_archive_fails_in_one_line_on_an_unwritable_out(
    artifact: TinyArtifact, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = ["model", "archive", "--model-dir", str(artifact.model_dir), "--out", str(blocker / "x")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "cannot create" in result.output
