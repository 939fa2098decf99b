"""Every command's `--help`: the prose reflows to the terminal's width, and nothing of a
command's docstring or an option's help is lost on the way (Markdown, which does the
reflowing, would swallow a bare `<placeholder>` or `*`)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from crpbot_workers.cli import app

runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    command: Any = get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def _words(text: str) -> str:
    """The text's words in order, without backticks (shown as code) or the option boxes."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text.replace("`", "")).split())


COMMANDS = list(_commands(get_command(app)))


def test_help_prose_reflows_to_the_terminal_width() -> None:
    result = runner.invoke(app, ["backtest", "--help"], env={"COLUMNS": "160"})

    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert any("inside a bar, one position per symbol (overlapping" in line for line in lines), (
        "a docstring's line break must not break the rendered line"
    )


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "crpbot" for p in COMMANDS])
def test_help_keeps_every_word_of_the_docstring_and_options(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    shown = _words(result.output)
    command = _command(path)
    prose = inspect.cleandoc(getattr(command, "help", None) or "").partition("\f")[0]
    assert _words(prose) in shown
    for param in getattr(command, "params", []):
        if getattr(param, "help", None):
            assert _words(param.help) in shown, param.name
