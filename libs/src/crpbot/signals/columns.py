"""The signal table's columns, apart from the backtest engine that replays it.

The scanner builds signal tables every cycle; importing them from `crpbot.backtest` would load
the engine's numba kernels (seconds of a scanner process's start) for one tuple of names.
"""

from __future__ import annotations

SIGNAL_COLUMNS: tuple[str, ...] = ("ts", "symbol", "side", "entry", "stop", "target", "expiry")
