"""Run the offline demo as named stages over one shared context.

Bundled real hourly bars → candle store → train (or reuse cached) models on every bar before
the replay window → walk-forward evaluation against baselines → FTMO backtest of the
out-of-sample signals → observation replay of the held-out last days on a simulated clock →
daily and period reports. Each stage reports its progress through one callback, so the CLI
draws one bar per stage and tests run without a terminal; the result is one summary record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import pandas as pd

from crpbot.candles.source import FrameSource
from crpbot.data.bundled import bundled_datasets, load_bundled
from crpbot.data.store import CandleStore
from crpbot_workers.demo.config import (
    DEMO_DATASET,
    DEMO_GRANULARITY,
    DEMO_SYMBOL,
    MIN_TRAINING_BARS,
    DemoConfig,
)
from crpbot_workers.demo.modeling import (
    BacktestHeadline,
    EvaluationHeadline,
    TrainedModels,
    backtest_signals,
    evaluate_models,
    train_or_reuse,
)
from crpbot_workers.demo.observation import ObservationReports, write_observation_reports
from crpbot_workers.demo.replay import ReplayResult, replay_start, run_replay

OnProgress = Callable[[int, str, int, int, str], None]
"""(stage index, stage name, completed, total, detail)."""


@dataclass
class DemoSummary:
    """Headline facts of one demo run; stage records are None until their stage ran."""

    dataset: str
    source: str
    symbol: str
    workdir: str
    bars: int = 0
    first_bar: str = ""
    last_bar: str = ""
    training_bars: int = 0
    replay_from: str = ""
    bars_added_to_store: int = 0
    store_file: str = ""
    models: TrainedModels | None = None
    evaluation: EvaluationHeadline | None = None
    backtest: BacktestHeadline | None = None
    replay: ReplayResult | None = None
    reports: ObservationReports | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Context:
    workdir: Path
    config: DemoConfig
    fresh: bool
    summary: DemoSummary
    advance: Callable[[int, int, str], None]
    candles: pd.DataFrame = field(default_factory=pd.DataFrame)
    training: pd.DataFrame = field(default_factory=pd.DataFrame)


def _data(ctx: _Context) -> None:
    candles = load_bundled(DEMO_DATASET)
    store = CandleStore(ctx.workdir / "data")
    until: datetime = (candles.index[-1] + pd.Timedelta(hours=1)).to_pydatetime()
    start: datetime = candles.index[0].to_pydatetime()
    source = FrameSource(candles, DEMO_GRANULARITY)
    update = store.fetch_missing(source, DEMO_SYMBOL, DEMO_GRANULARITY, until=until, start=start)
    ctx.candles = store.load(DEMO_SYMBOL, DEMO_GRANULARITY)
    first_replayed = replay_start(ctx.candles, ctx.config.replay_days)
    ctx.training = ctx.candles.loc[ctx.candles.index < first_replayed]
    if len(ctx.training) < MIN_TRAINING_BARS:
        raise ValueError(
            f"replaying the last {ctx.config.replay_days} days leaves {len(ctx.training):,} of "
            f"{len(ctx.candles):,} bars for training; at least {MIN_TRAINING_BARS:,} are needed"
        )
    s = ctx.summary
    s.bars, s.bars_added_to_store = len(ctx.candles), update.added
    s.first_bar, s.last_bar = ctx.candles.index[0].isoformat(), ctx.candles.index[-1].isoformat()
    s.store_file = str(store.path_for(DEMO_SYMBOL, DEMO_GRANULARITY))
    s.training_bars = len(ctx.training)
    s.replay_from = first_replayed.isoformat()
    ctx.advance(1, 1, f"{s.bars:,} bars, {s.training_bars:,} before the replay window")


def _train(ctx: _Context) -> None:
    ctx.summary.models = train_or_reuse(
        ctx.training, ctx.config, ctx.workdir, ctx.fresh, ctx.advance
    )


def _evaluate(ctx: _Context) -> None:
    assert ctx.summary.models is not None
    ctx.advance(0, 1, f"bootstrap of {ctx.config.n_boot} resamples, model and baselines")
    out = ctx.workdir / "reports" / "evaluation"
    ctx.summary.evaluation = evaluate_models(ctx.training, ctx.summary.models, ctx.config, out)
    ctx.advance(1, 1, f"{ctx.summary.evaluation.n_test:,} out-of-sample samples")


def _backtest(ctx: _Context) -> None:
    assert ctx.summary.evaluation is not None
    ctx.advance(0, 1, f"{ctx.summary.evaluation.signal_count:,} out-of-sample signals")
    out = ctx.workdir / "reports" / "backtest"
    headline = backtest_signals(ctx.training, ctx.summary.evaluation.signals, ctx.config, out)
    ctx.summary.backtest = headline
    ctx.advance(1, 1, f"{headline.trades} trades, FTMO {headline.ftmo_status}")


def _replay(ctx: _Context) -> None:
    models = ctx.summary.models
    assert models is not None
    ctx.summary.replay = run_replay(
        ctx.candles, models.model_dir, models.version, ctx.workdir, ctx.config, ctx.advance
    )


def _reports(ctx: _Context) -> None:
    replay = ctx.summary.replay
    assert replay is not None
    ctx.advance(0, 1, "daily report and period summary")
    ctx.summary.reports = write_observation_reports(
        replay.database,
        datetime.fromisoformat(replay.first_close),
        datetime.fromisoformat(replay.last_close),
        ctx.config,
        ctx.workdir / "reports" / "observation",
    )
    ctx.advance(1, 1, f"written for {ctx.summary.reports.day}")


STAGES: tuple[tuple[str, Callable[[_Context], None]], ...] = (
    ("data: bundled real bars into the store", _data),
    ("train models (or reuse the cache)", _train),
    ("evaluate walk-forward vs baselines", _evaluate),
    ("backtest with FTMO rules", _backtest),
    ("replay observation (simulated clock)", _replay),
    ("reports: daily and period summary", _reports),
)
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)


def run_demo(
    workdir: Path,
    config: DemoConfig | None = None,
    *,
    fresh: bool = False,
    on_progress: OnProgress | None = None,
) -> DemoSummary:
    """Run every stage in order under `workdir`; `fresh` retrains instead of reusing models."""
    import torch  # deferred with the rest: the CLI imports this module lazily

    cfg = config or DemoConfig()
    workdir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.train.threads)
    source = next(d.source for d in bundled_datasets() if d.name == DEMO_DATASET)
    summary = DemoSummary(DEMO_DATASET, source, DEMO_SYMBOL, str(workdir))
    ctx = _Context(workdir, cfg, fresh, summary, lambda done, total, detail: None)
    for index, (name, stage) in enumerate(STAGES):
        if on_progress is not None:
            ctx.advance = partial(on_progress, index, name)
        started = time.perf_counter()
        stage(ctx)
        summary.stage_seconds[name] = round(time.perf_counter() - started, 3)
    return summary
