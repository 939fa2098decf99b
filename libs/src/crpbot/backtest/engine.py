"""Replay a signal table over candles with FTMO accounting: the public entry point.

pandas stays at the edges: candles and signals become plain arrays, the compiled loop
(`loop.simulate`) does the bar-by-bar work, and its arrays are turned back into the trades
table, the equity curve, the metrics and the FTMO verdict.

Sizing: size = risk_per_trade × balance at the fill ÷ |fill price − stop|, so a stop-out loses
about `risk_per_trade` of the balance (plus fees and slippage on the way out). No leverage or
margin cap is applied. One position per symbol; see `signals.SignalStatus` for what happens to
signals that cannot be taken (each is counted in `BacktestResult.signal_counts`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.account import (
    T_ENTRY,
    T_ENTRY_BAR,
    T_EXIT,
    T_EXIT_BAR,
    T_FEES,
    T_PNL,
    T_REASON,
    T_SIDE,
    T_SIG,
    T_SIZE,
    T_SYM,
)
from crpbot.backtest.calendar import day_clock
from crpbot.backtest.expectancy import trade_tiers
from crpbot.backtest.fills import EXIT_REASONS
from crpbot.backtest.ftmo import FtmoRules, FtmoVerdict, day_table, verdict
from crpbot.backtest.loop import simulate
from crpbot.backtest.metrics import Metrics, compute_metrics
from crpbot.backtest.signals import (
    SignalArrays,
    SignalStatus,
    SignalTableError,
    normalize_signals,
    signal_arrays,
)

_PRICE_COLUMNS = ("open", "high", "low", "close")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BacktestConfig:
    """Costs and sizing; `rules` carries the balance and the FTMO phase."""

    risk_per_trade: float = 0.01
    fee: float = 0.0
    slippage: float = 0.0
    rules: FtmoRules = field(default_factory=FtmoRules)

    def __post_init__(self) -> None:
        if not 0 < self.risk_per_trade < 1:
            raise ValueError(f"risk_per_trade must be in (0, 1), got {self.risk_per_trade}")
        if not (0 <= self.fee < 1 and 0 <= self.slippage < 1):
            raise ValueError("fee and slippage are fractions in [0, 1)")
        if self.rules.initial_balance <= 0:
            raise ValueError("initial balance must be positive")


@dataclass(frozen=True)
class BacktestResult:
    """Everything one replay produced. `signals` is the normalized input with a `status`."""

    trades: pd.DataFrame
    equity: pd.Series
    metrics: Metrics
    ftmo: FtmoVerdict
    signals: pd.DataFrame
    signal_counts: dict[str, int]
    config: BacktestConfig


def run_backtest(
    candles: pd.DataFrame | Mapping[str, pd.DataFrame],
    signals: pd.DataFrame,
    config: BacktestConfig | None = None,
) -> BacktestResult:
    """Replay `signals` over `candles` (one frame, or one per symbol on the same index)."""
    config = config or BacktestConfig()
    table = normalize_signals(signals)
    frames = frames_of(candles, table)
    symbols = list(frames)
    index = pd.DatetimeIndex(next(iter(frames.values())).index)
    arrays = signal_arrays(table, index, symbols)
    o, h, lo, c = (stack_prices(frames, col) for col in _PRICE_COLUMNS)
    ts, trans, offsets, max_days = day_clock(index, config.rules.timezone)
    raw_trades, status, equity_values, days, _ = simulate(
        (o, h, lo, c),
        ts,
        (trans, offsets),
        max_days,
        (arrays.bar, arrays.symbol, _sig_matrix(arrays)),
        params_of(config),
        True,
    )
    statuses = np.empty(len(table), dtype=np.int8)
    statuses[arrays.order] = status
    table["status"] = pd.Categorical.from_codes(
        statuses.astype(np.int64), categories=pd.Index([s.name.lower() for s in SignalStatus])
    )
    trades = _trades_frame(raw_trades, arrays, table, index, symbols)
    trades["tier"] = trade_tiers(signals, trades["signal_row"])
    equity = pd.Series(equity_values, index=index, name="equity")
    per_day = day_table(days, config.rules)
    counts = {s.name.lower(): int(np.count_nonzero(statuses == s.value)) for s in SignalStatus}
    log.info(
        "backtest replayed",
        extra={"bars": len(index), "symbols": len(symbols), "trades": len(trades), **counts},
    )
    return BacktestResult(
        trades=trades,
        equity=equity,
        metrics=compute_metrics(trades, equity, config.rules.initial_balance),
        ftmo=verdict(per_day, config.rules),
        signals=table,
        signal_counts=counts,
        config=config,
    )


def frames_of(
    candles: pd.DataFrame | Mapping[str, pd.DataFrame], table: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    if isinstance(candles, pd.DataFrame):
        names = table["symbol"].unique()
        if len(names) > 1:
            raise SignalTableError(
                "one candle frame but signals for several symbols; pass one frame per symbol"
            )
        frames = {str(names[0]) if len(names) else "": candles}
    else:
        frames = dict(candles)
    if not frames:
        raise ValueError("no candles given")
    first = next(iter(frames.values()))
    for name, frame in frames.items():
        missing = [col for col in _PRICE_COLUMNS if col not in frame.columns]
        if missing:
            raise ValueError(f"candles for {name!r} lack column(s): {', '.join(missing)}")
        if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
            raise ValueError(f"candles for {name!r} need a tz-aware DatetimeIndex")
        if not frame.index.equals(first.index):
            raise ValueError("candles of all symbols must share one index (align them first)")
    if not first.index.is_monotonic_increasing:
        raise ValueError("candle index must be increasing")
    return frames


def stack_prices(frames: dict[str, pd.DataFrame], column: str) -> npt.NDArray[np.float64]:
    columns = [frame[column].to_numpy(dtype=np.float64) for frame in frames.values()]
    if len(columns) == 1:
        return columns[0].reshape(-1, 1)
    return np.ascontiguousarray(np.column_stack(columns))


def _sig_matrix(arrays: SignalArrays) -> npt.NDArray[np.float64]:
    return np.column_stack(
        [arrays.side, arrays.stop, arrays.target, arrays.expiry_bar.astype(np.float64)]
    )


def params_of(config: BacktestConfig) -> npt.NDArray[np.float64]:
    rules = config.rules
    return np.array(
        [
            rules.initial_balance,
            config.risk_per_trade,
            config.fee,
            config.slippage,
            rules.max_daily_loss,
            rules.max_total_loss,
        ],
        dtype=np.float64,
    )


def _trades_frame(
    raw: npt.NDArray[np.float64],
    arrays: SignalArrays,
    table: pd.DataFrame,
    index: pd.DatetimeIndex,
    symbols: list[str],
) -> pd.DataFrame:
    raw = raw[np.argsort(raw[:, T_ENTRY_BAR], kind="stable")]
    sig = raw[:, T_SIG].astype(np.int64)
    row = arrays.order[sig]
    reasons = pd.Categorical.from_codes(
        raw[:, T_REASON].astype(np.int64) - 1, categories=pd.Index(list(EXIT_REASONS.values()))
    )
    return pd.DataFrame(
        {
            "symbol": np.asarray(symbols, dtype=object)[raw[:, T_SYM].astype(np.int64)],
            "side": np.where(raw[:, T_SIDE] > 0, "long", "short"),
            "signal_ts": pd.DatetimeIndex(table["ts"])[row],
            "entry_ts": index[raw[:, T_ENTRY_BAR].astype(np.int64)],
            "entry_price": raw[:, T_ENTRY],
            "exit_ts": index[raw[:, T_EXIT_BAR].astype(np.int64)],
            "exit_price": raw[:, T_EXIT],
            "size": raw[:, T_SIZE],
            "stop": arrays.stop[sig],
            "target": arrays.target[sig],
            "pnl": raw[:, T_PNL],
            "fees": raw[:, T_FEES],
            "exit_reason": reasons,
            "signal_row": row,
        }
    )
