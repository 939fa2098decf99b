"""A replay beside the runs a signal source has to beat: always long, always short, random side.

A positive return alone says little: on a trending pair, taking every signal long with the
same stops and targets can beat the model. So each model run is replayed again with only the
sides changed, on the same signal bars, with the same stop and target distances and the same
expiry (so the same exits), the same costs and the same account rules:

- always long / always short: every signal turned to that side;
- random side: the model's own sides shuffled, `seeds` times, so each run has exactly the
  model's long share (a random permutation, not coin flips, keeps that share exact).

Turning a signal to the other side mirrors its stop and target around its `entry` reference
price (stop' = 2·entry − stop), so the distances, and hence the size and the R, are kept.

The model's excess return over each comes with an interval: over the random runs, the
percentiles of (model − run) across seeds; over always-long/short, a paired moving-block
bootstrap over calendar days (UTC) of the two equity curves: the same resampled days for both,
the excess being the difference of their compounded daily returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.engine import BacktestConfig, BacktestResult, run_backtest
from crpbot.backtest.signals import SignalTableError, normalize_signals
from crpbot.confidence.metrics import BootstrapSettings, MetricEstimate, block_indices

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ComparisonSettings(BootstrapSettings):
    """Random-side seeds, and the day bootstrap for the always-long/short intervals."""

    seeds: int = 200
    block_days: int = 5

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.seeds < 1 or self.block_days < 1:
            raise ValueError("seeds and block_days must be at least 1")


@dataclass(frozen=True)
class Interval(MetricEstimate):
    """A point value and its interval; `method` says how the interval was made."""

    method: str


@dataclass(frozen=True)
class RunFigures:
    """The headline of one replay (P/L after the comparison's costs)."""

    trades: int
    total_return: float
    max_drawdown: float
    ftmo_status: str


@dataclass(frozen=True)
class FixedSideBaseline:
    """Every signal on one side; the model's excess return over it."""

    side: str
    run: RunFigures
    excess: Interval


@dataclass(frozen=True)
class RandomSideBaseline:
    """The model's sides shuffled `seeds` times; returns per seed and the model's excess."""

    seeds: int
    long_share: float
    returns: FloatArray
    return_range: Interval
    beat_share: float
    excess: Interval


@dataclass(frozen=True)
class Comparison:
    """The model's run beside its baselines, all with the same exits, costs and rules."""

    fee: float
    slippage: float
    long_share: float
    model: RunFigures
    always_long: FixedSideBaseline
    always_short: FixedSideBaseline
    random_side: RandomSideBaseline


def _sign(table: pd.DataFrame) -> FloatArray:
    return np.where(table["side"].to_numpy() == "long", 1.0, -1.0)


def with_sides(signals: pd.DataFrame, long: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """The signals with the given sides; a flipped row's stop and target mirror around entry."""
    table = normalize_signals(signals)
    flip = _sign(table) != np.where(long, 1.0, -1.0)
    if np.isnan(table["entry"].to_numpy()[flip]).any():
        raise SignalTableError("turning a signal's side needs its entry price; some lack one")
    entry = table["entry"].to_numpy()
    for column in ("stop", "target"):
        levels = table[column].to_numpy()
        table[column] = np.where(flip, 2.0 * entry - levels, levels)
    table["side"] = np.where(long, "long", "short")
    return table


def always(signals: pd.DataFrame, side: str) -> pd.DataFrame:
    """Every signal turned to `side` (`long` or `short`), exits mirrored where flipped."""
    return with_sides(signals, np.full(len(signals), side == "long"))


def shuffled_sides(signals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The model's sides in a random order: the same number of longs, on random bars."""
    long = normalize_signals(signals)["side"].to_numpy() == "long"
    return with_sides(signals, rng.permutation(long))


def _figures(result: BacktestResult) -> RunFigures:
    m = result.metrics
    return RunFigures(m.n_trades, m.total_return, m.max_drawdown, result.ftmo.status)


def _daily_returns(equity: pd.Series, initial: float) -> FloatArray:
    closes = equity.groupby(pd.DatetimeIndex(equity.index).normalize()).last()
    values = np.concatenate([[initial], closes.to_numpy(dtype=np.float64)])
    return np.asarray(values[1:] / values[:-1] - 1.0)


def paired_day_excess(
    model: BacktestResult, baseline: BacktestResult, settings: ComparisonSettings
) -> Interval:
    """Model − baseline total return, with a paired moving-block bootstrap over days."""
    initial = model.config.rules.initial_balance
    ours = _daily_returns(model.equity, initial)
    theirs = _daily_returns(baseline.equity, initial)
    rows = block_indices(ours.size, settings.block_days, settings.n_boot, settings.seed)
    draws = np.prod(1.0 + ours[rows], axis=1) - np.prod(1.0 + theirs[rows], axis=1)
    tail = (1 - settings.level) / 2 * 100
    return Interval(
        value=model.metrics.total_return - baseline.metrics.total_return,
        low=float(np.percentile(draws, tail)),
        high=float(np.percentile(draws, 100 - tail)),
        method=(
            f"paired moving-block bootstrap over {ours.size} days (blocks of "
            f"{settings.block_days} days, {settings.n_boot} resamples)"
        ),
    )


def _random_side(
    candles: pd.DataFrame,
    signals: pd.DataFrame,
    config: BacktestConfig,
    model_return: float,
    settings: ComparisonSettings,
) -> RandomSideBaseline:
    rng = np.random.default_rng(settings.seed)
    returns = np.array(
        [
            run_backtest(candles, shuffled_sides(signals, rng), config).metrics.total_return
            for _ in range(settings.seeds)
        ]
    )
    excess = model_return - returns
    tail = (1 - settings.level) / 2 * 100
    long = normalize_signals(signals)["side"].to_numpy() == "long"
    return RandomSideBaseline(
        seeds=settings.seeds,
        long_share=float(long.mean()) if long.size else float("nan"),
        returns=returns,
        return_range=Interval(
            value=float(np.median(returns)),
            low=float(np.percentile(returns, tail)),
            high=float(np.percentile(returns, 100 - tail)),
            method=f"median and percentiles over {settings.seeds} random-side runs",
        ),
        beat_share=float(np.mean(returns > model_return)),
        excess=Interval(
            value=float(np.median(excess)),
            low=float(np.percentile(excess, tail)),
            high=float(np.percentile(excess, 100 - tail)),
            method=f"median and percentiles over {settings.seeds} random-side runs",
        ),
    )


def compare_with_baselines(
    candles: pd.DataFrame,
    signals: pd.DataFrame,
    model: BacktestResult,
    settings: ComparisonSettings | None = None,
) -> Comparison:
    """Replay the baselines of `signals` with `model`'s config; `model` is their own replay."""
    settings = settings or ComparisonSettings()
    config = model.config
    fixed = {}
    for side in ("long", "short"):
        run = run_backtest(candles, always(signals, side), config)
        fixed[side] = FixedSideBaseline(
            side, _figures(run), paired_day_excess(model, run, settings)
        )
    random_side = _random_side(candles, signals, config, model.metrics.total_return, settings)
    return Comparison(
        fee=config.fee,
        slippage=config.slippage,
        long_share=random_side.long_share,
        model=_figures(model),
        always_long=fixed["long"],
        always_short=fixed["short"],
        random_side=random_side,
    )
