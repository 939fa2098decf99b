"""`crpbot --help` (and any command's `--help`) must not load the heavy libraries.

Importing torch, pandas or SQLAlchemy costs seconds; a CLI that imports them at module level
makes every `--help`, every typo and every shell completion wait for them. Each case runs in
a fresh interpreter, since this test process has long imported them all.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "torch",
    "pandas",
    "numpy",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "telegram",
    "kubernetes",
    "pydantic_settings",
    "opentelemetry",
    "scipy",
    "sklearn",
    "boto3",
)

_PROBE = """
import json, sys
from crpbot_workers.cli.main import app
try:
    app(sys.argv[1:], prog_name="crpbot")
except SystemExit as done:
    code = done.code
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print("\\n" + json.dumps({{"exit": code, "heavy": heavy}}))
"""


def _probe(*argv: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_cli_import_loads_no_heavy_library() -> None:
    code = (
        "import json, sys; import crpbot_workers.cli.main; "
        f"print(json.dumps(sorted(n for n in {HEAVY!r} if n in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("backtest", "--help"),
        ("data", "fetch", "--help"),
        ("risk-guard", "serve", "--help"),
        ("telegram", "serve", "--help"),
    ],
    ids=lambda argv: " ".join(argv),
)
def test_cli_help_loads_no_heavy_library(argv: tuple[str, ...]) -> None:
    assert _probe(*argv) == {"exit": 0, "heavy": []}


@pytest.mark.parametrize(
    "module", ["crpbot_workers.risk_guard.serve", "crpbot_workers.telegram.serve"]
)
def test_service_loads_no_data_library(module: str) -> None:
    """The guard and the Telegram bot read the settings, whose trading costs live in the
    backtest package: importing that package must not pull pandas (and pyarrow, numpy) into
    services that never touch a DataFrame."""
    data = ("pandas", "numpy", "pyarrow", "numba", "torch")
    code = (
        f"import json, sys; import crpbot.config, {module}; "
        f"print(json.dumps(sorted(n for n in {data!r} if n in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout) == []
