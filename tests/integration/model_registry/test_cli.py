import itertools
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli.main import app
from tests.integration.model_registry.conftest import make_version

runner = CliRunner()
_buckets = itertools.count()


@pytest.fixture
def env(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings for the CLI: a SQLite file, a fresh bucket on moto; returns the model dir."""
    monkeypatch.setenv("CRPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'crpbot.db'}")
    monkeypatch.setenv("CRPBOT_STORAGE__ENDPOINT_URL", aws_env)
    bucket = f"cli-{next(_buckets)}"
    monkeypatch.setenv("CRPBOT_STORAGE__BUCKET", bucket)
    monkeypatch.delenv("CRPBOT_CONFIG_FILE", raising=False)
    from crpbot.storage import ObjectStore

    ObjectStore(bucket, endpoint_url=aws_env).ensure_bucket()
    return tmp_path


def _trained(root: Path, version: str) -> tuple[Path, Path]:
    """`crpbot train` layout (MODEL_DIR/VERSION, LATEST) and an archive folder."""
    fake = make_version(root / "src", version)
    model_dir, archives = root / "models", root / "archives" / version
    shutil.copytree(fake.artifact_dir, model_dir / version)
    (model_dir / "LATEST").write_text(version + "\n")
    archives.mkdir(parents=True)
    for mar in fake.archives:
        shutil.copy(mar, archives / mar.name)
    return model_dir, archives


def _invoke(*args: str) -> dict[str, object] | list[dict[str, object]]:
    result = runner.invoke(app, ["model", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, object] | list[dict[str, object]] = json.loads(result.stdout)
    return payload


def test_model_cli_push_promote_rollback_pull_round_trip(env: Path) -> None:
    for version in ("v1", "v2"):
        model_dir, archives = _trained(env, version)
        pushed = _invoke("push", "--model-dir", str(model_dir), "--archives", str(archives))
        assert isinstance(pushed, dict)
        assert (pushed["version"], pushed["stage"]) == (version, "candidate")
        assert isinstance(_invoke("promote", version), dict)
    listed = _invoke("list")
    assert [(r["version"], r["stage"]) for r in listed if isinstance(r, dict)] == [
        ("v1", "archived"),
        ("v2", "production"),
    ]
    restored = _invoke("rollback")
    assert isinstance(restored, dict) and restored["version"] == "v1"
    pulled = _invoke("pull", "--dest", str(env / "pulled"))
    assert isinstance(pulled, dict) and pulled["version"] == "v1"
    archive = Path(str(pulled["archives"]["crpbot-lstm"]))  # type: ignore[index]
    assert archive.read_bytes() == (env / "archives" / "v1" / "crpbot-lstm.mar").read_bytes()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["promote", "v9"], "crpbot v9 is not registered"),
        (["rollback"], "no production version to roll back from"),
        (["pull", "production"], "no production version"),
        (["push", "--model-dir", "nowhere"], "no trained models in nowhere"),
    ],
)
def test_model_cli_fails_with_one_line_reason(env: Path, args: list[str], reason: str) -> None:
    result = runner.invoke(app, ["model", *args])
    assert result.exit_code != 0
    assert reason in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_model_cli_push_without_archives_says_how_to_make_them(env: Path) -> None:
    model_dir, _ = _trained(env, "v1")
    result = runner.invoke(
        app, ["model", "push", "--model-dir", str(model_dir), "--archives", str(env / "none")]
    )
    assert result.exit_code == 2
    assert "crpbot model archive" in result.output
