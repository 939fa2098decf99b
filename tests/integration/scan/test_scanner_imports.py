"""What a scanner process imports: with `inference=torchserve` no torch (nor scikit-learn),
so the CronJob starts fast and its image needs neither, and no numba (neither pandas-ta, which
the scanner's array features replace, nor the backtest engine's kernels), which took seconds of
every start; a refusing `crpbot scan` answers before any model runtime loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crpbot.db.engine import upgrade
from tests.fixtures.ports import free_port

CRPBOT = Path(sys.executable).with_name("crpbot")

_CYCLE = """
import json, sys
from datetime import UTC, datetime
from crpbot.config import Settings
from crpbot.data.bundled import load_bundled
from crpbot_workers.scanner.wiring import build_scanner

bars = load_bundled("EURUSD")
wired = build_scanner(Settings(), frames={"EURUSD": bars})
now = (bars.index[-50] + (bars.index[1] - bars.index[0])).to_pydatetime()
report = wired.scanner.run_cycle(now)
wired.close()
heavy = sorted(
    {m.split(".")[0] for m in sys.modules} & {"torch", "sklearn", "numba", "pandas_ta"}
    | set(sys.modules) & {"crpbot.backtest.engine", "crpbot.backtest.jit"}
)
print(json.dumps({"outcomes": [r.outcome for r in report.results], "heavy": heavy}))
"""


def test_a_torchserve_scanner_imports_no_torch_nor_numba(scan_env: dict[str, str]) -> None:
    env = {**scan_env, "CRPBOT_INFERENCE": "torchserve"}
    env["CRPBOT_TORCHSERVE_URL"] = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-c", _CYCLE], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["outcomes"] == ["failed"], "no model server: the symbol fails, the cycle runs"
    assert answer["heavy"] == []


def test_a_refused_scan_loads_no_model_runtime(scan_env: dict[str, str], tmp_path: Path) -> None:
    """No models: the one-line error comes before torch is ever imported."""
    env = {**scan_env, "CRPBOT_MODEL_DIR": str(tmp_path / "no-models")}
    code = (
        "import sys\n"
        "from crpbot_workers.cli.main import app\n"
        "sys.argv = ['crpbot', 'scan', '--once']\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print('torch' in sys.modules, code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.stdout.strip().splitlines()[-1] == "False 2", result.stderr[-2000:]
    assert "model" in result.stderr.lower()


_READY = """
import json, sys
from crpbot.config import Settings
from crpbot_workers.scanner.wiring import build_scanner

build_scanner(Settings()).close()
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "telegram"})))
"""


def test_a_scanner_on_a_migrated_database_loads_neither_alembic_nor_telegram(
    scan_env: dict[str, str],
) -> None:
    """Every `scan --once` after the first finds the schema at head: Alembic (a third of the
    start) is not needed, nor python-telegram-bot for a scanner that logs its alerts."""
    upgrade(scan_env["CRPBOT_DATABASE_URL"])
    env = {**scan_env, "CRPBOT_INFERENCE": "torchserve"}
    env["CRPBOT_TORCHSERVE_URL"] = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-c", _READY], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
