"""The console script turns click's usage errors into one line on stderr and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

_ENTRY = "from crpbot_workers.cli.main import main; main()"


def _crpbot(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _ENTRY, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("backtest", "--fee", "abc"), "crpbot backtest: Invalid value for '--fee'"),
        (("--nope",), "crpbot: No such option: --nope"),
        (("features", "nosuch"), "crpbot features: No such command 'nosuch'"),
        (("--log-level", "WARN", "features", "list"), "crpbot: Invalid value for '--log-level'"),
        (("--log-format", "yaml", "features", "list"), "crpbot: Invalid value for '--log-format'"),
    ],
)
def test_main_usage_error_is_one_line_with_exit_2(argv: tuple[str, ...], expected: str) -> None:
    result = _crpbot(*argv)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected) and lines[0].endswith("(try --help)")


def test_main_without_arguments_shows_help_only() -> None:
    result = _crpbot()
    assert result.returncode == 2
    assert "Usage: crpbot" in result.stdout
    assert result.stderr.strip() == ""


def test_main_passes_a_command_exit_code_through() -> None:
    assert _crpbot("features", "list", "--json").returncode == 0
    failed = _crpbot("data", "show", "--symbol", "NOPE", "--data-dir", "/nonexistent/crpbot")
    assert failed.returncode != 0
    assert len(failed.stderr.strip().splitlines()) == 1


def test_main_version_prints_the_package_version() -> None:
    result = _crpbot("--version")
    assert result.returncode == 0
    assert result.stdout == f"crpbot {version('crpbot')}\n"


@pytest.mark.parametrize("level", ["info", "DEBUG", "Warning"])
def test_main_log_level_accepts_any_case(level: str) -> None:
    assert _crpbot("--log-level", level, "features", "list", "--json").returncode == 0
