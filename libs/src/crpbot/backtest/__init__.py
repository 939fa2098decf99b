"""Backtest engine: replay a signal table over candles with fees, slippage and FTMO rules."""

from crpbot.backtest.engine import BacktestConfig, BacktestResult, run_backtest
from crpbot.backtest.ftmo import FtmoRules, FtmoVerdict
from crpbot.backtest.signals import SIGNAL_COLUMNS, SignalStatus, SignalTableError

__all__ = [
    "SIGNAL_COLUMNS",
    "BacktestConfig",
    "BacktestResult",
    "FtmoRules",
    "FtmoVerdict",
    "SignalStatus",
    "SignalTableError",
    "run_backtest",
]
