"""Backtest throughput: crpbot vs vectorbt vs backtesting.py on the same bars and signals.

Run: `make bench` or `.venv/bin/python tests/bench/bench_backtest.py [--sizes 100000,1000000]`.

Sizes: warm throughput of crpbot and vectorbt, back to back in this process, at each size
(100k / 300k / 1M bars by default) so the growth is visible; the full table (cold starts and
backtesting.py) at the largest. 10M bars is left out by default: on the shared 2-core
machine one size takes minutes already (data tiling and vectorbt's inputs are 10x bigger);
pass `--sizes ...,10000000` where there is room.

Data: the bundled real EURUSD hourly bars, tiled to ~1M bars on a continuing hourly index,
each copy scaled so its first open continues from the previous copy's last close. Signals:
the SMA-crossover baseline (fast 30 / slow 120, 2·ATR stop, 3·ATR target, no expiry) on those
bars, ~10k of them. Every engine enters at the next bar's open with the same stop and target:
- crpbot: `run_backtest` with FTMO accounting on (Prague days, floors checked every bar, per-
  day table and verdict); the loss limits are widened (100%) so that no halt stops the replay
  early and every engine trades the whole series;
- vectorbt: `Portfolio.from_signals`, entries shifted to the fill bar, `price=open`,
  `sl_stop`/`tp_stop` as fractions of that open, opposite entries ignored while in a trade;
  given a tz-naive copy of the index (with a tz-aware one it spends seconds turning 1M
  timestamps into Python objects, which would be an unfair comparison);
- backtesting.py: a Strategy replaying the table (`buy`/`sell` with `sl`/`tp` on the signal
  bar, filled at the next open); it is slow, so it runs on the first 100k bars only.
Warm = best of several calls in one process after a first call. Cold = the first call in a
fresh subprocess (JIT compile or cache load included; imports and data building excluded and
reported apart). Throughput is bars per second of the backtest call alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SIZES = (100_000, 300_000, 1_000_000)
TARGET_WARM = 1.0
BT_BARS = 100_000
WARM_REPEATS = 5


def tiled_candles(bars: int) -> pd.DataFrame:
    from crpbot.data.bundled import load_bundled

    base = load_bundled("EURUSD")
    prices = base[["open", "high", "low", "close"]].to_numpy()
    copies, scale, blocks = -(-bars // len(base)), 1.0, []
    for _ in range(copies):
        blocks.append(prices * scale)
        scale *= prices[-1, 3] / prices[0, 0]
    values = np.vstack(blocks)[:bars]
    index = pd.date_range(base.index[0], periods=bars, freq="h", tz="UTC", name="ts")
    frame = pd.DataFrame(values, index=index, columns=["open", "high", "low", "close"])
    frame["volume"] = 1.0
    return frame


def bench_signals(candles: pd.DataFrame) -> pd.DataFrame:
    from crpbot.backtest.baseline_signals import CrossoverParams, sma_crossover_signals

    params = CrossoverParams(fast=30, slow=120, expiry_bars=0)
    return sma_crossover_signals(candles, "EURUSD", params)


def run_ours(candles: pd.DataFrame, signals: pd.DataFrame) -> int:
    from crpbot.backtest import BacktestConfig, FtmoRules, run_backtest

    rules = FtmoRules(max_daily_loss=1.0, max_total_loss=1.0)
    result = run_backtest(candles, signals, BacktestConfig(risk_per_trade=0.001, rules=rules))
    return len(result.trades)


def _vbt_inputs(candles: pd.DataFrame, signals: pd.DataFrame) -> dict[str, Any]:
    n = len(candles)
    bar = candles.index.get_indexer(signals["ts"]) + 1
    keep = bar < n
    bar, table = bar[keep], signals[keep.tolist()]
    opens = candles["open"].to_numpy()[bar]
    longs = (table["side"] == "long").to_numpy()
    entries, shorts = np.zeros(n, bool), np.zeros(n, bool)
    entries[bar[longs]], shorts[bar[~longs]] = True, True
    sl, tp = np.full(n, np.nan), np.full(n, np.nan)
    sl[bar] = np.abs(opens - table["stop"].to_numpy()) / opens
    tp[bar] = np.abs(table["target"].to_numpy() - opens) / opens
    return {"entries": entries, "short_entries": shorts, "sl_stop": sl, "tp_stop": tp}


def run_vectorbt(candles: pd.DataFrame, inputs: dict[str, Any]) -> int:
    import vectorbt as vbt

    portfolio = vbt.Portfolio.from_signals(
        candles["close"],
        price=candles["open"],
        open=candles["open"],
        high=candles["high"],
        low=candles["low"],
        upon_opposite_entry="ignore",
        stop_entry_price="fillprice",
        init_cash=1e9,
        size=1.0,
        freq="1h",
        **inputs,
    )
    return int(np.sum(portfolio.trades.count()))


def run_backtesting(candles: pd.DataFrame, signals: pd.DataFrame) -> int:
    from tests.fixtures.backtesting_py import replay_stats

    return int(replay_stats(candles, signals)["# Trades"])


def _timed(call: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    trades = call()
    return time.perf_counter() - start, trades


def _engine_calls(engine: str, bars: int) -> tuple[Callable[[], int], int]:
    candles = tiled_candles(bars if engine != "backtesting.py" else min(bars, BT_BARS))
    signals = bench_signals(candles)
    if engine == "crpbot":
        return lambda: run_ours(candles, signals), len(candles)
    if engine == "vectorbt":
        import vectorbt  # noqa: F401  # untimed, like crpbot's modules (imported by bench_signals)

        inputs = _vbt_inputs(candles, signals)
        naive = candles.tz_localize(None)  # vectorbt iterates a tz-aware index in Python
        return lambda: run_vectorbt(naive, inputs), len(candles)
    return lambda: run_backtesting(candles, signals), len(candles)


def measure_cold(engine: str, bars: int) -> dict[str, float]:
    """First call in a fresh interpreter; the child prints one JSON line."""
    code = (
        "import json,sys,time;t=time.perf_counter();"
        "sys.path.insert(0,'tests/bench');import bench_backtest as b;"
        f"call,n=b._engine_calls({engine!r},{bars});setup=time.perf_counter()-t;"
        "s,k=b._timed(call);print(json.dumps({'seconds':s,'trades':k,'bars':n,'setup':setup}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_warm(engine: str, bars: int) -> dict[str, float]:
    call, n = _engine_calls(engine, bars)
    _, trades = _timed(call)
    repeats = WARM_REPEATS if engine != "backtesting.py" else 1
    best = min(_timed(call)[0] for _ in range(repeats))
    return {"seconds": best, "trades": trades, "bars": n}


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    warm = print_growth(sizes)
    bars = sizes[-1]
    rows = []
    for engine in ("crpbot", "vectorbt", "backtesting.py"):
        cold = measure_cold(engine, bars)
        rows.append((engine, warm.get(engine) or measure_warm(engine, bars), cold))
    print_table(rows)
    print_slice_agreement(bars, int(rows[2][1]["trades"]))
    ratio = rows[1][1]["seconds"] / rows[0][1]["seconds"]
    verdict = "PASS" if ratio >= TARGET_WARM else "FAIL"
    print(
        f"{verdict} backtest single run warm, {bars:,} bars: {ratio:.2f}x vectorbt "
        f"({bars / rows[0][1]['seconds'] / 1e6:.1f}M bars/s; target >= {TARGET_WARM:g}x)"
    )


def print_growth(sizes: list[int]) -> dict[str, dict[str, float]]:
    """Warm crpbot and vectorbt at each size, back to back; returns the largest size's runs."""
    print(f"{'bars':>10}{'crpbot s':>10}{'vectorbt s':>12}{'ours÷vbt':>10}{'crpbot bars/s':>15}")
    last: dict[str, dict[str, float]] = {}
    for bars in sizes:
        last = {engine: measure_warm(engine, bars) for engine in ("crpbot", "vectorbt")}
        ours, theirs = last["crpbot"]["seconds"], last["vectorbt"]["seconds"]
        print(f"{bars:>10,}{ours:>10.4f}{theirs:>12.4f}{theirs / ours:>10.2f}{bars / ours:>15,.0f}")
    return last


def print_slice_agreement(bars: int, theirs: int) -> None:
    """backtesting.py runs on a slice only; count our trades on that same slice beside it."""
    candles = tiled_candles(min(bars, BT_BARS))
    n = len(candles)
    ours = run_ours(candles, bench_signals(candles))
    verdict = "same count" if ours == theirs else "COUNTS DIFFER"
    print(f"trades on the first {n:,} bars: crpbot {ours}, backtesting.py {theirs} ({verdict})")


def print_table(rows: list[tuple[str, dict[str, float], dict[str, float]]]) -> None:
    ours_warm = rows[0][1]["bars"] / rows[0][1]["seconds"]
    ours_cold = rows[0][2]["bars"] / rows[0][2]["seconds"]
    header = (
        f"{'engine':<15}{'bars':>9}{'trades':>8}{'warm s':>10}{'warm bars/s':>14}"
        f"{'cold s':>9}{'cold bars/s':>14}{'setup s':>9}{'ours÷it warm':>14}{'ours÷it cold':>14}"
    )
    print(header)
    print("-" * len(header))
    for name, warm, cold in rows:
        warm_rate, cold_rate = warm["bars"] / warm["seconds"], cold["bars"] / cold["seconds"]
        print(
            f"{name:<15}{int(warm['bars']):>9}{int(warm['trades']):>8}{warm['seconds']:>10.4f}"
            f"{warm_rate:>14,.0f}{cold['seconds']:>9.3f}{cold_rate:>14,.0f}{cold['setup']:>9.2f}"
            f"{ours_warm / warm_rate:>14.2f}{ours_cold / cold_rate:>14.2f}"
        )
    print("ratios are throughput ratios (>1: crpbot faster); setup = imports + data, untimed")


if __name__ == "__main__":
    main()
