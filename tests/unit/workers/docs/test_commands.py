"""docs/commands.md is what `crpbot_workers.docs.commands` renders from the typer app: every
command listed once, each with an example that its command really accepts."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from crpbot_workers.docs.commands import EXAMPLES, leaf_commands, render, root_command

DOC = Path(__file__).resolve().parents[4] / "docs" / "commands.md"
COMMANDS = dict(leaf_commands())


def _table_paths() -> list[str]:
    return [
        line.split("`")[1].removeprefix("crpbot ")
        for line in render().splitlines()
        if line.startswith("| `crpbot ")
    ]


def test_commands_doc_matches_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/commands.md is stale: run `.venv/bin/python -m crpbot_workers.docs --write`"
    )


def test_commands_doc_lists_every_command_once() -> None:
    assert _table_paths() == list(COMMANDS)


@pytest.mark.parametrize(
    "path",
    [
        "config show",
        "data fetch",
        "data show",
        "features list",
        "features compute",
        "train",
        "evaluate",
        "backtest",
        "telegram serve",
        "risk-guard serve",
    ],
)
def test_commands_doc_covers_the_issue_commands(path: str) -> None:
    assert path in _table_paths()


def test_commands_doc_has_an_example_for_each_command_and_no_other() -> None:
    assert set(EXAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_commands_doc_example_parses_against_its_command(path: str) -> None:
    words = shlex.split(EXAMPLES[path])
    prefix = ["crpbot", *path.split()]
    assert words[: len(prefix)] == prefix
    command: Any = COMMANDS[path]
    command.make_context(path, words[len(prefix) :])


def test_commands_doc_example_check_catches_an_unknown_option() -> None:
    with pytest.raises(Exception, match="No such option: --nope"):
        COMMANDS["backtest"].make_context("backtest", ["--nope"])


def test_commands_doc_lists_the_root_options() -> None:
    options = [p.opts[0] for p in root_command().params if p.param_type_name == "option"]
    assert "--config" in options
    for option in options:
        if option != "--help":
            assert f"- `{option}`:" in render()
