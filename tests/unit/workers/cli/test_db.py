import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot.db.engine import current_revision, head_revision, upgrade
from crpbot_workers.cli import app

runner = CliRunner()


def test_db_upgrade_then_current_reports_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'crpbot.db'}"
    before = runner.invoke(app, ["db", "current", "--database-url", url, "--check"])
    assert before.exit_code == 1
    assert "behind" in before.output

    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", url, "--json"])
    assert upgraded.exit_code == 0, upgraded.output
    assert json.loads(upgraded.stdout) | {"database": None} == {
        "database": None,
        "from": None,
        "to": head_revision(),
        "head": head_revision(),
        "backup": None,
    }

    after = runner.invoke(app, ["db", "current", "--database-url", url, "--json", "--check"])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["up_to_date"] is True


def test_db_upgrade_from_an_old_revision_reports_the_copy_it_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crpbot.db'}"
    upgrade(url, "0001")
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url, "--json"])
    assert result.exit_code == 0, result.output
    backup = Path(json.loads(result.stdout)["backup"])
    assert backup.parent == tmp_path
    assert backup.name.startswith("crpbot.db.0001.")
    assert current_revision(f"sqlite:///{backup}") == "0001"


def test_db_upgrade_help_explains_the_copy() -> None:
    result = runner.invoke(app, ["db", "upgrade", "--help"])
    assert result.exit_code == 0
    assert "<file>.<revision>.<UTC time>.bak" in " ".join(result.output.split())


def test_db_upgrade_uses_the_database_url_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'set.db'}")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "set.db").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["db", "upgrade", "--database-url", "not a url"], 2, "invalid --database-url"),
        (["db", "current", "--database-url", "postgresql://u:hunter2@127.0.0.1:1/x"], 1, "***"),
        (["db", "upgrade", "--revision", "nope", "--database-url", "sqlite://"], 1, "'nope'"),
    ],
    ids=["bad-url", "unreachable-password-hidden", "unknown-revision"],
)
def test_db_bad_input_fails_with_one_line(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2
