"""Run the offline demo as a list of named steps over one shared context.

Steps are small functions so later stages (training, evaluation, backtest, observation
replay) slot in without touching the others; the runner reports each step to a progress
callback and returns one summary record the CLI prints or dumps as JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from crpbot.data.bundled import bundled_datasets, load_bundled
from crpbot.data.source import FrameSource
from crpbot.data.store import CandleStore
from crpbot.features.compute import compute_features

DEMO_SYMBOL = "EUR-USD"
DEMO_DATASET = "EURUSD"
DEMO_GRANULARITY = "ONE_HOUR"
PENDING_STAGES = (
    "models (LSTM direction, Transformer trend strength) and calibrated confidence",
    "walk-forward evaluation against baselines",
    "FTMO backtest",
    "observation replay through the risk guard, SQLite, outcomes and the daily report",
)


@dataclass
class DemoSummary:
    """Headline facts of one demo run."""

    dataset: str
    source: str
    symbol: str
    bars: int = 0
    first_bar: str = ""
    last_bar: str = ""
    bars_added_to_store: int = 0
    gaps: int = 0
    missing_bars: int = 0
    store_file: str = ""
    features: int = 0
    warmup_rows: int = 0
    feature_file: str = ""
    last_bar_features: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    pending_stages: tuple[str, ...] = PENDING_STAGES


@dataclass
class _Context:
    workdir: Path
    summary: DemoSummary
    candles: pd.DataFrame = field(default_factory=pd.DataFrame)
    features: pd.DataFrame = field(default_factory=pd.DataFrame)


def _load_data(ctx: _Context) -> None:
    ctx.candles = load_bundled(DEMO_DATASET)
    ctx.summary.bars = len(ctx.candles)
    ctx.summary.first_bar = ctx.candles.index[0].isoformat()
    ctx.summary.last_bar = ctx.candles.index[-1].isoformat()


def _store_candles(ctx: _Context) -> None:
    store = CandleStore(ctx.workdir / "data")
    until: datetime = (ctx.candles.index[-1] + pd.Timedelta(hours=1)).to_pydatetime()
    update = store.fetch_missing(
        FrameSource(ctx.candles, DEMO_GRANULARITY),
        DEMO_SYMBOL,
        DEMO_GRANULARITY,
        until=until,
        start=ctx.candles.index[0].to_pydatetime(),
    )
    ctx.summary.bars_added_to_store = update.added
    ctx.summary.gaps = len(update.report.gaps)
    ctx.summary.missing_bars = update.report.missing_bars
    ctx.summary.store_file = str(store.path_for(DEMO_SYMBOL, DEMO_GRANULARITY))
    ctx.candles = store.load(DEMO_SYMBOL, DEMO_GRANULARITY)


def _compute_features(ctx: _Context) -> None:
    ctx.features = compute_features(ctx.candles)
    out = ctx.workdir / "features" / f"{DEMO_SYMBOL}_{DEMO_GRANULARITY}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    ctx.features.to_parquet(out)
    complete = ctx.features.notna().all(axis=1)
    ctx.summary.features = ctx.features.shape[1]
    ctx.summary.warmup_rows = int((~complete).cumprod().sum())
    ctx.summary.feature_file = str(out)
    last = ctx.features.iloc[-1]
    picks = [c for c in ("RSI_14", "ADX_14", "ATRr_14", "MACDh_12_26_9") if c in last.index]
    ctx.summary.last_bar_features = {c: round(float(last[c]), 6) for c in picks}


STEPS: tuple[tuple[str, Callable[[_Context], None]], ...] = (
    ("load bundled real data", _load_data),
    ("store candles (validated, incremental)", _store_candles),
    ("compute features", _compute_features),
)


def run_demo(workdir: Path, on_step: Callable[[int, int, str], None] | None = None) -> DemoSummary:
    """Run every demo step in order under `workdir`; `on_step(i, n, name)` reports progress."""
    source = next(d.source for d in bundled_datasets() if d.name == DEMO_DATASET)
    ctx = _Context(workdir, DemoSummary(DEMO_DATASET, source, DEMO_SYMBOL))
    for i, (name, step) in enumerate(STEPS):
        if on_step is not None:
            on_step(i, len(STEPS), name)
        started = time.perf_counter()
        step(ctx)
        ctx.summary.step_seconds[name] = round(time.perf_counter() - started, 3)
    if on_step is not None:
        on_step(len(STEPS), len(STEPS), "done")
    return ctx.summary
