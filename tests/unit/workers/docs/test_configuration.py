"""docs/configuration.md is what `crpbot_workers.docs.configuration` renders from the settings
model, lists every setting and its YAML example is a file `load_settings` accepts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crpbot.config import Settings, describe_settings, load_settings
from crpbot_workers.docs.configuration import YAML_EXAMPLE, render

DOC = Path(__file__).resolve().parents[4] / "docs" / "configuration.md"


def _rows() -> dict[str, list[str]]:
    """Table rows of the rendered document by setting name, cells stripped."""
    rows = {}
    for line in render().splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = cells
    return rows


def test_config_doc_matches_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run `.venv/bin/python -m crpbot_workers.docs --write`"
    )


def test_config_doc_has_a_row_per_setting_with_env_var_and_meaning() -> None:
    expected = describe_settings(Settings.model_construct())
    rows = _rows()
    assert list(rows) == [row.name for row in expected]
    for row in expected:
        assert rows[row.name][1] == f"`{row.env}`"
        assert row.description in rows[row.name][4]


def test_config_doc_ignores_the_environment_it_is_rendered_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRPBOT_BOT_NAME", "from-env")
    monkeypatch.setenv("CRPBOT_RISK_TOKEN", "leaked-token")
    text = render()
    assert "from-env" not in text and "leaked-token" not in text
    assert _rows()["bot_name"][2] == "`local`"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("mode", "`observe`, `paper`"),
        ("risk.daily_loss_pct", "> 0, < 100"),
        ("confidence.high", "≥ 0.5, ≤ 1"),
        ("bot_name", "length ≥ 1"),
        ("symbols", "any"),
    ],
)
def test_config_doc_states_allowed_values(name: str, allowed: str) -> None:
    assert _rows()[name][3] == allowed


def test_config_doc_marks_every_secret() -> None:
    rows = _rows()
    for row in describe_settings(Settings.model_construct()):
        assert ("**Secret.**" in rows[row.name][4]) == row.secret, row.name


def test_config_doc_yaml_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [key for key in os.environ if key.startswith("CRPBOT_")]:
        monkeypatch.delenv(key)
    path = tmp_path / "crpbot.yaml"
    path.write_text(YAML_EXAMPLE, encoding="utf-8")
    settings = load_settings(path)
    assert settings.inference == "torchserve"
    assert settings.risk.high_tier_per_hour == 4
    assert settings.telegram.allowed_chats == [123456789]
    assert f"```yaml\n{YAML_EXAMPLE}```" in render()
