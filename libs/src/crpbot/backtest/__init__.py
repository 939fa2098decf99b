"""Backtest engine: replay a signal table over candles with fees, slippage and FTMO rules.

The engine and the signal checks load numba kernels (seconds at import) and the FTMO
accounting loads pandas, so they are imported on first use: the settings
(`crpbot.backtest.costs`) are read by every process, the risk guard and the Telegram bot
included, and must not pay for the engine or pandas at start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from crpbot.signals.columns import SIGNAL_COLUMNS

if TYPE_CHECKING:
    from crpbot.backtest.engine import BacktestConfig, BacktestResult, run_backtest
    from crpbot.backtest.ftmo import FtmoRules, FtmoVerdict
    from crpbot.backtest.signals import SignalStatus, SignalTableError

_COMPILED = {
    "FtmoRules": "crpbot.backtest.ftmo",
    "FtmoVerdict": "crpbot.backtest.ftmo",
    "BacktestConfig": "crpbot.backtest.engine",
    "BacktestResult": "crpbot.backtest.engine",
    "run_backtest": "crpbot.backtest.engine",
    "SignalStatus": "crpbot.backtest.signals",
    "SignalTableError": "crpbot.backtest.signals",
}


def __getattr__(name: str) -> object:
    if name not in _COMPILED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_COMPILED[name]), name)


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
