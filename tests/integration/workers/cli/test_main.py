"""The console script turns click's usage errors into one line on stderr and exit code 2, and
a command that needs torch where it is missing (the workers image) into one line and code 1."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from crpbot_workers.cli.runtime import NO_TORCH
from tests.fixtures.scan_env import scan_once_args

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


# As in the workers image, where torch is not installed: every import of it (or of a
# submodule) fails the way a missing package does.
_WITHOUT_TORCH = """
import sys
from importlib.abc import MetaPathFinder

class _NoTorch(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoTorch())
from crpbot_workers.cli.main import main
main()
"""


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("train", "--epochs", "1", "--folds", "1"), id="train"),
        pytest.param(tuple(scan_once_args()), id="scan-in-process"),
        pytest.param(("demo",), id="demo"),
    ],
)
def test_main_command_needing_torch_without_it_says_so_in_one_line(
    argv: tuple[str, ...], scan_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, **scan_env, "CRPBOT_INFERENCE": "inprocess"}

    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TORCH, *argv, *_workdir_args(argv, tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"error: {NO_TORCH}"]


def _workdir_args(argv: tuple[str, ...], tmp_path: Path) -> list[str]:
    """Where the command would write: the test's folder, not the checkout's var/."""
    if argv[0] == "train":
        return ["--model-dir", str(tmp_path / "models")]
    if argv[0] == "demo":
        return ["--workdir", str(tmp_path / "demo")]
    return []
