"""The demo's model stages: train (or reuse the cached models), evaluate, backtest.

They call the same functions as `crpbot train`, `crpbot evaluate` and `crpbot backtest`, on
the bars before the replay window only, so the replay that follows is out of sample.
Models are cached under `<workdir>/models/<key>/` where the key hashes the training bars and
the settings that shape the weights; a second run with the same inputs reuses them.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crpbot.backtest import BacktestConfig, FtmoRules, run_backtest
from crpbot.backtest.comparison import ComparisonSettings, compare_with_baselines
from crpbot.backtest.expectancy import expectancy_by_tier
from crpbot.backtest.report import baseline_figures
from crpbot.clock import utcnow
from crpbot.confidence.metrics import MetricEstimate
from crpbot.evaluation.evaluate import EvaluationSettings
from crpbot.evaluation.pipeline import evaluate_artifact
from crpbot.models.metadata import candles_hash
from crpbot.models.pipeline import TrainRequest, train_and_save
from crpbot.models.versions import ArtifactError, read_metadata, resolve_version
from crpbot.reports.backtest import write_report as write_backtest_report
from crpbot.skill.expectancy import Expectancy
from crpbot_workers.demo.config import DEMO_DATASET, DEMO_SYMBOL, DemoConfig, model_cache_key

log = logging.getLogger(__name__)

Advance = Callable[[int, int, str], None]
"""Progress inside a stage: (completed, total, detail)."""

MODEL_SOURCE = "model (calibrated)"


@dataclass(frozen=True)
class TrainedModels:
    """Where the models are and whether this run trained them."""

    model_dir: Path
    version: str
    reused: bool
    seconds: float
    cache_key: str


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% bootstrap interval (JSON-friendly copy of MetricEstimate)."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, estimate: MetricEstimate) -> Estimate:
        return cls(estimate.value, estimate.low, estimate.high)


@dataclass(frozen=True)
class EvaluationHeadline:
    """Walk-forward accuracy of the model against every baseline, on the same test samples."""

    n_test: int
    accuracy: dict[str, Estimate]
    auc: Estimate
    report: Path
    signals: Path
    signal_count: int


@dataclass(frozen=True)
class BacktestHeadline:
    """The out-of-sample signals replayed with FTMO rules and costs, beside the baselines
    (`baselines` is `crpbot.backtest.report.baseline_figures`)."""

    costs: str
    trades: int
    total_return: float
    max_drawdown: float
    win_rate: float | None
    ftmo_status: str
    ftmo_reasons: tuple[str, ...]
    baselines: dict[str, Any]
    report: Path
    tiers: dict[str, Expectancy] = field(default_factory=dict)
    """Expectancy after costs and break-even win rate per tier, then `all`."""


def train_or_reuse(
    candles: pd.DataFrame, config: DemoConfig, workdir: Path, fresh: bool, advance: Advance
) -> TrainedModels:
    """Reuse `<workdir>/models/<key>` when it holds a model of these bars, else train one."""
    key = model_cache_key(candles_hash(candles), config)
    model_dir = workdir / "models" / key
    if fresh and model_dir.exists():
        shutil.rmtree(model_dir)
    cached = _cached_version(model_dir)
    if cached is not None:
        advance(1, 1, f"reused cached models {cached}")
        log.info("demo models reused", extra={"model_version": cached, "cache_key": key})
        return TrainedModels(model_dir, cached, True, 0.0, key)
    started = time.perf_counter()
    folds, epochs = config.splits.n_folds, config.train.epochs
    total = folds * 2 * epochs
    fold_done = [0]

    def on_fold(number: int, _total: int) -> None:
        fold_done[0] = number
        advance(number * 2 * epochs, total, f"fold {number + 1}/{folds}")

    def on_epoch(name: str, epoch: int, loss: float) -> None:
        offset = fold_done[0] * 2 * epochs + (epochs if name == "transformer" else 0)
        advance(offset + epoch, total, f"fold {fold_done[0] + 1}/{folds} {name} val {loss:.4f}")

    request = TrainRequest(
        f"bundled:{DEMO_DATASET}", DEMO_SYMBOL, model_dir, config.train, config.splits
    )
    summary = train_and_save(candles, request, utcnow, on_fold, on_epoch)
    advance(total, total, f"trained {summary.model_version}")
    return TrainedModels(
        model_dir, summary.model_version, False, time.perf_counter() - started, key
    )


def _cached_version(model_dir: Path) -> str | None:
    try:
        folder = resolve_version(model_dir)
        read_metadata(folder)
    except ArtifactError:
        return None
    return str(folder.name)


def evaluate_models(
    candles: pd.DataFrame, models: TrainedModels, config: DemoConfig, out: Path
) -> EvaluationHeadline:
    """`crpbot evaluate` on the cached artifact: bootstrapped metrics, report, signals.csv."""
    settings = EvaluationSettings(block=config.block, n_boot=config.n_boot)
    folder = resolve_version(models.model_dir, models.version)
    command = f"crpbot demo (evaluation stage, n_boot={config.n_boot}, block={config.block})"
    summary, _ = evaluate_artifact(candles, folder, out, settings, command)
    accuracy = {name: Estimate.of(m["accuracy"]) for name, m in summary.metrics.items()}
    return EvaluationHeadline(
        n_test=summary.n_test,
        accuracy=accuracy,
        auc=Estimate.of(summary.metrics[MODEL_SOURCE]["auc"]),
        report=summary.report,
        signals=summary.signals,
        signal_count=summary.signal_count,
    )


def backtest_signals(
    candles: pd.DataFrame, signals_csv: Path, config: DemoConfig, out: Path
) -> BacktestHeadline:
    """Replay the evaluation's out-of-sample signals over the training bars, FTMO challenge,
    with costs, and the same signals always long, always short and with random sides."""
    table = pd.read_csv(signals_csv)
    rules = FtmoRules(initial_balance=config.initial_balance, phase="challenge")
    risk = config.limits.risk_per_trade_pct / 100.0
    backtest = BacktestConfig(
        risk_per_trade=risk, fee=config.costs.fee, slippage=config.costs.slippage, rules=rules
    )
    result = run_backtest(candles, table, backtest)
    comparison = compare_with_baselines(
        candles, table, result, ComparisonSettings(seeds=config.random_seeds)
    )
    title = f"Demo backtest {DEMO_SYMBOL} (out-of-sample)"
    write_backtest_report(result, out, title, comparison)
    metrics = result.metrics
    return BacktestHeadline(
        costs=config.costs.describe(),
        trades=metrics.n_trades,
        total_return=metrics.total_return,
        max_drawdown=metrics.max_drawdown,
        win_rate=None if math.isnan(metrics.win_rate) else metrics.win_rate,
        ftmo_status=result.ftmo.status,
        ftmo_reasons=tuple(result.ftmo.reasons),
        baselines=baseline_figures(comparison),
        report=out / "report.md",
        tiers=expectancy_by_tier(result.trades, result.config.slippage),
    )
