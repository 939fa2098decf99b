"""Backtest sweep throughput: `run_sweep` vs vectorbt's broadcast `from_signals`, same grid.

Run: `make bench` or `.venv/bin/python tests/bench/bench_sweep.py [--sizes 100000,1000000]`.

Data and signals as in `bench_backtest.py` (bundled EURUSD hourly bars tiled to N bars, the
SMA-crossover baseline 30/120, ~1 signal per 100 bars), plus a seeded confidence per signal.
The grid: stop 1, 1.5, 2, 2.5, 3 ATR × target 1.5, 2, 3, 4, 5 ATR × threshold 0.5, 0.55,
0.6, 0.65 = 100 parameter sets.
- crpbot: `run_sweep`, every set with FTMO accounting (loss limits widened so no halt ends a
  replay early), sets spread over every core by numba's prange;
- vectorbt: one `Portfolio.from_signals` call with 100 columns: entries (masked per column by
  its threshold), `sl_stop`/`tp_stop` as fractions of the fill bar's open, both N × 100,
  built before the clock starts (as our exit matrices are not: they are inside our timing).
Warm = best of a few calls after a first one, both engines back to back in this process.
Cold = the first call in a fresh subprocess (JIT compile or cache load included; imports
and data excluded for both: vectorbt is imported before the clock starts, as crpbot's sweep
module is). 10M bars are not run by default: vectorbt's 10M × 100 stop arrays alone
take 16 GB, more than this machine has free.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
import bench_backtest

SIZES = (100_000, 300_000, 1_000_000)
STOPS = (1.0, 1.5, 2.0, 2.5, 3.0)
TARGETS = (1.5, 2.0, 3.0, 4.0, 5.0)
THRESHOLDS = (0.5, 0.55, 0.6, 0.65)
WARM_REPEATS = 3
TARGET_WARM, TARGET_COLD = 1.5, 10.0


def _inputs(bars: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    candles = bench_backtest.tiled_candles(bars)
    signals = bench_backtest.bench_signals(candles)
    signals["confidence"] = np.random.default_rng(42).uniform(0.45, 0.75, len(signals))
    return candles, signals


def _grid() -> Any:
    from crpbot.backtest.sweep_grid import SweepGrid

    return SweepGrid(STOPS, TARGETS, THRESHOLDS)


def ours_call(bars: int) -> Callable[[], int]:
    from crpbot.backtest import BacktestConfig, FtmoRules
    from crpbot.backtest.sweep import run_sweep, sweep_basis

    candles, signals = _inputs(bars)
    basis = sweep_basis(signals, candles)
    rules = FtmoRules(max_daily_loss=1.0, max_total_loss=1.0)
    config = BacktestConfig(risk_per_trade=0.001, rules=rules)
    grid = _grid()
    return lambda: int(run_sweep(candles, basis, grid, config).table["trades"].sum())


def vectorbt_call(bars: int) -> Callable[[], int]:
    import vectorbt  # noqa: F401  # imported untimed, as `ours_call` imports crpbot's sweep

    from crpbot.backtest.sweep import exits, sweep_basis

    candles, signals = _inputs(bars)
    basis = sweep_basis(signals, candles)
    n, sets = len(candles), [(s, t, h) for s in STOPS for t in TARGETS for h in THRESHOLDS]
    every = candles.index.get_indexer(pd.DatetimeIndex(basis["ts"])) + 1
    keep = every < n
    bar = every[keep]
    opens = candles["open"].to_numpy()[bar]
    longs = (basis["side"] == "long").to_numpy()[keep]
    confidence = basis["confidence"].to_numpy()[keep]
    entries, shorts = np.zeros((n, len(sets)), bool), np.zeros((n, len(sets)), bool)
    sl, tp = np.full((n, len(sets)), np.nan), np.full((n, len(sets)), np.nan)
    for p, (stop_atr, target_atr, threshold) in enumerate(sets):
        stop, target = (a[keep] for a in exits(basis, stop_atr, target_atr))
        taken = confidence >= threshold
        entries[bar[taken & longs], p], shorts[bar[taken & ~longs], p] = True, True
        sl[bar, p] = np.abs(opens - stop) / opens
        tp[bar, p] = np.abs(target - opens) / opens
    naive = candles.tz_localize(None)
    inputs = {"entries": entries, "short_entries": shorts, "sl_stop": sl, "tp_stop": tp}
    return lambda: bench_backtest.run_vectorbt(naive, inputs)


def measure_cold(engine: str, bars: int) -> float:
    code = (
        "import sys,time,json;sys.path.insert(0,'tests/bench');import bench_sweep as b;"
        f"call=b.{engine}_call({bars});t=time.perf_counter();call();"
        "print(json.dumps(time.perf_counter()-t))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_warm(call: Callable[[], int]) -> tuple[float, int]:
    trades = call()
    best = float("inf")
    for _ in range(WARM_REPEATS):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best, trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--json", action="store_true", help="Also print one JSON line.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sets = len(STOPS) * len(TARGETS) * len(THRESHOLDS)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"grid: {sets} parameter sets; warm = best of {WARM_REPEATS}, cold = fresh process")
    header = f"{'bars':>10}{'ours s':>9}{'vbt s':>9}{'ours÷vbt':>10}{'set-bars/s':>14}"
    print(header + f"{'trades':>10}")
    rows: dict[int, dict[str, float]] = {}
    for bars in sizes:
        ours_s, trades = measure_warm(ours_call(bars))
        theirs_s, _ = measure_warm(vectorbt_call(bars))
        rows[bars] = {"ours": ours_s, "vectorbt": theirs_s, "trades": trades}
        rate = bars * sets / ours_s
        print(
            f"{bars:>10,}{ours_s:>9.3f}{theirs_s:>9.3f}{theirs_s / ours_s:>10.2f}"
            f"{rate:>14,.0f}{trades:>10,}"
        )
    top = max(sizes)
    cold_ours, cold_theirs = measure_cold("ours", top), measure_cold("vectorbt", top)
    print(f"cold at {top:,} bars: ours {cold_ours:.2f} s, vectorbt {cold_theirs:.2f} s")
    warm_ratio = rows[top]["vectorbt"] / rows[top]["ours"]
    cold_ratio = cold_theirs / cold_ours
    for name, ratio, target in (
        ("warm", warm_ratio, TARGET_WARM),
        ("cold", cold_ratio, TARGET_COLD),
    ):
        verdict = "PASS" if ratio >= target else "FAIL"
        print(
            f"{verdict} sweep {name}, {sets} sets × {top:,} bars: {ratio:.2f}x vectorbt "
            f"(target >= {target:g}x)"
        )
    if args.json:
        print(json.dumps({"warm": rows, "cold": {"ours": cold_ours, "vectorbt": cold_theirs}}))


if __name__ == "__main__":
    main()
