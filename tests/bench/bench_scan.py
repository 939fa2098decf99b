"""Scan cycle cost against universe size, and how fast a scanner process is ready.

Cycle: `Scanner.run_cycle` over N symbols (10 / 100 / 300 / 1,000 by default), each its own
market (the bundled EUR/USD hourly bars shifted by a few bars per symbol), 1,000 bars of history per
symbol as the CronJob reads them, the production model shapes (`crpbot train` defaults:
window 32, hidden 32; seeded untrained weights, speed does not depend on what they learned)
in this process, the in-process guard on a SQLite file, every signal through the gate. The
first cycle is untimed (warm-up: imports, TA-Lib and torch first calls); the figure is the
best of `--repeat` cycles at successive hours.

Ready: wall time from starting `python` to a wired scanner (settings, database migrated to
head, models) with `inference=torchserve`, as the cluster's CronJob runs it, with the
modules' bytecode compiled as in the image (see `ready_seconds`; the first start, compiling,
is printed beside it).

Targets (issue 18, 2 CPU cores): 300 symbols < 3 s, 1,000 symbols < 10 s; ready < 2 s.
The machine these figures come from is shared: quote the load average printed first.

    .venv/bin/python tests/bench/bench_scan.py [--symbols 10 100 1000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch

from crpbot.data.bundled import load_bundled
from crpbot.db.engine import make_engine, session_factory, upgrade
from crpbot.models.inference import InProcessBackend
from crpbot.notify.base import LogNotifier
from crpbot.risk import RiskLimits
from crpbot.scan.adapters import FramesFeed, InProcessRisk, StaticEquity
from crpbot.scan.config import ScanConfig
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.risk_guard import RiskGuardService
from crpbot.signals.from_models import SignalRules
from tests.fixtures.artifacts import build_tiny_artifact

TARGETS_S = {300: 3.0, 1000: 10.0}
TARGET_READY_S = 2.0
HOUR = pd.Timedelta(hours=1)


def markets(count: int) -> dict[str, pd.DataFrame]:
    bars = load_bundled("EURUSD")
    return {f"S{i:04d}-USD": bars.shift(i % 97).iloc[i % 97 :] for i in range(count)}


def cycle_seconds(model_dir: Path, folder: Path, count: int, repeat: int) -> list[float]:
    frames = markets(count)
    url = f"sqlite:///{folder / f'scan-{count}.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    deps = ScannerDeps(
        feed=FramesFeed(frames, "ONE_HOUR"),
        model=InProcessBackend(model_dir),
        risk=InProcessRisk(RiskGuardService(engine, RiskLimits())),
        sessions=sessions,
        notifier=LogNotifier(),
        spool=SignalSpool(folder / f"spool-{count}.jsonl"),
        equity=StaticEquity(100_000.0),
    )
    config = ScanConfig("bench", "bench", tuple(frames), rules=SignalRules(min_confidence=0.5))
    scanner = Scanner(config, deps)
    start: datetime = (load_bundled("EURUSD").index[-60] + HOUR).to_pydatetime()
    times = []
    for cycle in range(repeat + 1):
        report = scanner.run_cycle(start + cycle * HOUR)
        if cycle:
            times.append(report.duration_s)
    engine.dispose()
    return times


_READY = """
import time
from crpbot.config import Settings
from crpbot_workers.scanner.wiring import build_scanner
build_scanner(Settings())
print("ready")
"""


def ready_seconds(model_dir: Path, folder: Path) -> tuple[float, float]:
    """(ready with compiled bytecode, as the image runs; ready compiling every module).

    The image compiles the venv's bytecode when it is built (UV_COMPILE_BYTECODE=1) and runs
    with PYTHONDONTWRITEBYTECODE=1; a checkout synced without bytecode under that variable
    would compile ~2,000 modules at every start (seconds, not what a CronJob pays). So the
    first run compiles into a private cache (PYTHONPYCACHEPREFIX; its time is printed, not
    judged) and the next ones read it, whatever the checkout's venv holds."""
    env = {
        **os.environ,
        "CRPBOT_CONFIG_FILE": "",
        "CRPBOT_MODEL_DIR": str(model_dir),
        "CRPBOT_INFERENCE": "torchserve",
        "CRPBOT_DATABASE_URL": f"sqlite:///{folder / 'ready.db'}",
        "CRPBOT_DATA_DIR": str(folder / "data"),
        "CRPBOT_TELEMETRY__EXPORTER": "none",
        "PYTHONPYCACHEPREFIX": str(folder / "bytecode"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _READY], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times[1:]), times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, nargs="+", default=[10, 100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        model_dir = folder / "models"
        build_tiny_artifact(model_dir, bars=2000, window=32, hidden=32)
        ready, compiling = ready_seconds(model_dir, folder)
        rows = {n: min(cycle_seconds(model_dir, folder, n, args.repeat)) for n in args.symbols}
    print(f"{'symbols':>8} {'cycle s':>8} {'ms/symbol':>10}")
    for count, seconds in rows.items():
        print(f"{count:>8} {seconds:>8.2f} {seconds / count * 1000:>10.1f}")
    print(f"process ready (inference=torchserve): {ready:.2f} s with compiled bytecode")
    print(
        f"  (first start, compiling every module as a checkout without bytecode does: "
        f"{compiling:.2f} s)"
    )
    for count, limit in TARGETS_S.items():
        if count in rows:
            verdict = "PASS" if rows[count] < limit else "FAIL"
            print(
                f"{verdict} scan cycle {count} symbols: {rows[count]:.2f} s (target < {limit:g} s)"
            )
    verdict = "PASS" if ready < TARGET_READY_S else "FAIL"
    print(f"{verdict} scanner ready: {ready:.2f} s (target < {TARGET_READY_S:g} s)")
    if args.json:
        print(json.dumps({"cycle_s": rows, "ready_s": ready, "ready_compiling_s": compiling}))


if __name__ == "__main__":
    main()
