"""Where a fill happens inside one bar, given only its open, high, low and close.

The rules, chosen to be conservative and to match backtesting.py's so the two agree trade for
trade (see tests/integration/test_backtest_agreement.py):

- Entry: market at the bar's open, after slippage against you.
- Stop before target: when one bar reaches both, the stop is taken (we cannot know which came
  first, so assume the worse). A stop that the open already gapped through fills at the open,
  otherwise at the stop price; likewise a target fills at the open when the open is already
  beyond it, else at the target price. Stop and target are checked on the entry bar too.
- Slippage applies to every fill (entry, stop, target, expiry, halt), always against you:
  a long buys at price × (1 + s) and sells at price × (1 − s).
- Fees are a fraction of each fill's notional, per side.

Compiled with numba (`cache=True`) because the bar loop calls these once per bar.
"""

from __future__ import annotations

from crpbot.backtest.jit import inlined

EXIT_NONE = 0
EXIT_STOP = 1
EXIT_TARGET = 2
EXIT_EXPIRY = 3
EXIT_DAILY_HALT = 4
EXIT_TOTAL_HALT = 5
EXIT_END_OF_DATA = 6

EXIT_REASONS: dict[int, str] = {
    EXIT_STOP: "stop",
    EXIT_TARGET: "target",
    EXIT_EXPIRY: "expiry",
    EXIT_DAILY_HALT: "daily_loss_halt",
    EXIT_TOTAL_HALT: "total_loss_halt",
    EXIT_END_OF_DATA: "end_of_data",
}


@inlined
def slipped(price: float, side: float, opening: bool, slippage: float) -> float:
    """Fill price after slippage; `side` is +1 long / −1 short, `opening` says buy-or-sell."""
    direction = side if opening else -side
    return price * (1.0 + direction * slippage)


@inlined
def bar_exit(
    side: float, stop: float, target: float, open_: float, high: float, low: float
) -> tuple[int, float]:
    """The stop/target exit this bar triggers, stop first, and its raw (pre-slippage) price."""
    if side > 0:
        if low <= stop:
            return EXIT_STOP, min(open_, stop)
        if target == target and high >= target:
            return EXIT_TARGET, max(open_, target)
        return EXIT_NONE, 0.0
    if high >= stop:
        return EXIT_STOP, max(open_, stop)
    if target == target and low <= target:
        return EXIT_TARGET, min(open_, target)
    return EXIT_NONE, 0.0


@inlined
def levels_already_passed(side: float, stop: float, target: float, fill: float) -> bool:
    """True when the fill is already at/through the stop or target: such a position could not
    be sized (zero or negative stop distance) and would exit at once, so it is not opened."""
    if side * (fill - stop) <= 0.0:
        return True
    return bool(target == target and side * (target - fill) <= 0.0)


@inlined
def adverse_price(side: float, high: float, low: float) -> float:
    """The bar's worst price for a position: its low for a long, its high for a short."""
    return low if side > 0 else high
