"""The compiled bar loop: fills, exits, FTMO accounting and the equity curve in one pass.

Plain numpy arrays in and out, compiled by numba and cached on disk (`cache=True`) so a fresh
process loads machine code instead of recompiling. Order of events inside bar j:

1. a new Prague day: its base is the balance now (= at midnight), its daily floor follows,
   a daily halt is lifted;
2. signals queued on bar j−1 fill at bar j's open (unless halted);
3. FTMO, before any exit of the bar is booked: equity with every open position at the worst
   price it can have seen in the bar (its adverse extreme, or its stop fill when the stop is
   reached) against both floors; a breach closes them all there, so a target the same bar
   also reached is never booked (the adverse extreme may have come first);
4. stop / target (stop first), then expiry at the close;
5. FTMO again on the balance after those exits (their fees and slippage count);
6. the equity-curve point: balance + open P/L at the close;
7. signals whose bar is j are queued (or skipped: overlap, halt, expired).

Speed: most bars change nothing but the marks. `quiet_bars` walks those in one tight loop
(no calls that take arrays, which would cost reference counting per bar) and stops at the
first bar where something happens; `_eventful_bar` then runs the full sequence for that bar.
A new local day is opened inside that loop (leaving it once a day cost the reference counts
of its array arguments, ~40k times per million hourly bars), and while no position is open
every bar up to the day's end marks the balance, so it is filled in one stretch instead of
being judged bar by bar (a sweep's sets with high thresholds are flat most of the time).
"""

from __future__ import annotations

import numpy as np

from crpbot.backtest.account import (
    A_BALANCE,
    A_DAILY_FLOOR,
    A_DAY,
    A_HALT_ALL,
    A_HALT_DAY,
    A_PENDING,
    A_TOTAL_FLOOR,
    A_TRADES,
    ACCOUNT_FIELDS,
    CLOCK_NEXT_DAY,
    P_ENTRY,
    P_EXPIRY,
    P_OPEN,
    P_SIDE,
    P_SIZE,
    P_STOP,
    P_TARGET,
    POS_FIELDS,
    R_INITIAL,
    R_TOTAL_LOSS,
    S_BEFORE,
    S_NO_NEXT,
    TRADE_FIELDS,
    Floats,
    Ints,
    Status,
    check_floors,
    equity_at,
    exit_positions,
    fill_pending,
    finish,
    new_day,
    queue,
)
from crpbot.backtest.fills import EXIT_NONE, adverse_price, bar_exit
from crpbot.backtest.ftmo import D_END_BALANCE, D_END_EQUITY, D_MIN_EQUITY, DAY_FIELDS
from crpbot.backtest.jit import compiled, inlined
from crpbot.backtest.metrics import curve_step

# the curve's running figures when it is not kept (`simulate(..., keep_curve=False)`)
C_PEAK, C_DRAWDOWN, C_TOTAL, C_SQUARES, C_PREV, C_POINTS = range(6)
CURVE_FIELDS = 6
Running = tuple[float, float, float, float, float, float]
"""The same figures held in registers by the bar loop."""


@inlined
def _floor(acct: Floats) -> float:
    """The equity level whose crossing is an event now (−inf once trading is over for good)."""
    if acct[A_HALT_ALL] > 0:
        return -np.inf
    if acct[A_HALT_DAY] > 0:
        return float(acct[A_TOTAL_FLOOR])
    return float(max(acct[A_DAILY_FLOOR], acct[A_TOTAL_FLOOR]))


@inlined
def _flat(pos: Floats) -> bool:
    """No position open: nothing can exit and equity is the balance whatever prices do."""
    for s in range(pos.shape[0]):  # noqa: SIM110  (numba compiles no generator for all())
        if pos[s, P_OPEN] != 0.0:
            return False
    return True


@inlined
def quiet_bars(
    j: int,
    end: int,
    ts: Ints,
    zone: tuple[Ints, Ints],
    clock: Ints,
    prices: tuple[Floats, Floats, Floats, Floats],
    pos: Floats,
    acct: Floats,
    days: Floats,
    marks: tuple[Floats, Floats, int],
    params: Floats,
) -> int:
    """Mark bars j.. up to `end` while none exits or touches a floor, opening new local days
    on the way (`new_day`, the same step the main loop takes); return the first bar that
    needs the full treatment (or `end`). Everything per bar stays in registers; a day's
    record is written when it ends and on the way out. `marks` = (equity curve, running
    curve figures, last bar): the curve is written when kept, else each point is folded into
    the figures (held in registers here too) except the last bar's, which `simulate` folds."""
    o, h, lo, c = prices
    trans, offsets = zone
    equity, curve, last = marks
    run = _running(curve)
    balance, floor, d = acct[A_BALANCE], _floor(acct), int(acct[A_DAY])
    worst_seen, mark = days[d, D_MIN_EQUITY], days[d, D_END_EQUITY]
    next_day = clock[CLOCK_NEXT_DAY]
    flat = _flat(pos)
    while j < end:
        if ts[j] >= next_day:
            days[d, D_MIN_EQUITY] = worst_seen
            days[d, D_END_EQUITY] = mark
            new_day(ts[j], trans, offsets, clock, acct, days, params)
            floor, d, next_day = _floor(acct), int(acct[A_DAY]), clock[CLOCK_NEXT_DAY]
            worst_seen, mark = days[d, D_MIN_EQUITY], days[d, D_END_EQUITY]
            continue
        if flat and not balance < floor:
            stop = j + 1
            while stop < end and ts[stop] < next_day:
                stop += 1
            run = _mark(equity, last, j, stop, balance, run)
            worst_seen, mark, j = min(worst_seen, balance), balance, stop
            continue
        worst, here, exiting = balance, balance, False
        for s in range(pos.shape[0]):
            if pos[s, P_OPEN] == 0.0:
                continue
            side, size, entry = pos[s, P_SIDE], pos[s, P_SIZE], pos[s, P_ENTRY]
            hit, _ = bar_exit(side, pos[s, P_STOP], pos[s, P_TARGET], o[j, s], h[j, s], lo[j, s])
            exiting = exiting or hit != EXIT_NONE or j >= pos[s, P_EXPIRY]
            worst += side * size * (adverse_price(side, h[j, s], lo[j, s]) - entry)
            here += side * size * (c[j, s] - entry)
        if exiting or worst < floor:
            break
        worst_seen, mark = min(worst_seen, worst), here
        run = _mark(equity, last, j, j + 1, here, run)
        j += 1
    days[d, D_MIN_EQUITY] = worst_seen
    days[d, D_END_EQUITY] = mark
    _keep_running(curve, run)
    return j


@inlined
def _running(curve: Floats) -> Running:
    return (
        curve[C_PEAK],
        curve[C_DRAWDOWN],
        curve[C_TOTAL],
        curve[C_SQUARES],
        curve[C_PREV],
        curve[C_POINTS],
    )


@inlined
def _keep_running(curve: Floats, run: Running) -> None:
    peak, drawdown, total, squares, prev, points = run
    curve[C_PEAK], curve[C_DRAWDOWN], curve[C_TOTAL], curve[C_SQUARES] = (
        peak,
        drawdown,
        total,
        squares,
    )
    curve[C_PREV], curve[C_POINTS] = prev, points


@compiled
def _mark(equity: Floats, last: int, j: int, stop: int, value: float, run: Running) -> Running:
    """Bars j..stop−1 all at equity `value`: written into the curve when it is kept, else
    folded into the running figures (bars before `last` only: see `quiet_bars`). A plain
    call, not inlined at numba IR level: LLVM inlines it without the reference counting an
    IR-inlined array argument costs on every bar."""
    if equity.shape[0] > 0:
        for q in range(j, stop):
            equity[q] = value
        return run
    peak, drawdown, total, squares, prev, points = run
    count = min(stop, last) - j
    for q in range(count):
        peak, drawdown, total, squares = curve_step(
            peak, drawdown, total, squares, prev, value, points == 0.0
        )
        prev, points = value, points + 1.0
        if q + 1 < count and value / value - 1.0 == 0.0:
            points += count - q - 1  # a zero return each; peak and drawdown stay
            break
    return peak, drawdown, total, squares, prev, points


@inlined
def _point(j: int, value: float, marks: tuple[Floats, Floats, int]) -> None:
    """Bar j's equity, as `quiet_bars` marks its bars."""
    equity, curve, last = marks
    _keep_running(curve, _mark(equity, last, j, j + 1, value, _running(curve)))


@inlined
def _eventful_bar(
    j: int,
    sp: int,
    prices: tuple[Floats, Floats, Floats, Floats],
    bar: Ints,
    sym: Ints,
    sig: Floats,
    pending: Ints,
    pos: Floats,
    trades: Floats,
    status: Status,
    acct: Floats,
    days: Floats,
    marks: tuple[Floats, Floats, int],
    params: Floats,
) -> int:
    """Bar j with everything that may happen in it; returns the next signal to look at."""
    o, h, lo, c = prices
    if acct[A_PENDING] > 0:
        fill_pending(j, o, pending, sig, pos, status, acct, days, params)
    check_floors(j, o, h, lo, pos, trades, acct, days, params)
    exit_positions(j, o, h, lo, c, pos, trades, acct, params)
    check_floors(j, o, h, lo, pos, trades, acct, days, params)
    value = equity_at(c, j, pos, acct[A_BALANCE])
    _point(j, value, marks)
    sp = queue(j, sp, bar, sym, sig, pending, pos, status, acct)
    d = int(acct[A_DAY])
    days[d, D_END_BALANCE] = acct[A_BALANCE]
    days[d, D_END_EQUITY] = value
    return sp


@compiled
def _start(
    n: int, m: int, k: int, max_days: int, params: Floats
) -> tuple[Floats, Ints, Floats, Status, Floats, Floats]:
    acct = np.zeros(ACCOUNT_FIELDS)
    acct[A_BALANCE] = params[R_INITIAL]
    acct[A_TOTAL_FLOOR] = params[R_INITIAL] * (1.0 - params[R_TOTAL_LOSS])
    acct[A_DAY] = -1.0
    return (
        np.zeros((m, POS_FIELDS)),
        np.full(m, -1, dtype=np.int64),
        np.empty((k, TRADE_FIELDS)),
        np.full(k, S_NO_NEXT, dtype=np.int8),
        np.zeros((max_days, DAY_FIELDS)),
        acct,
    )


@compiled
def simulate(
    prices: tuple[Floats, Floats, Floats, Floats],
    ts: Ints,
    zone: tuple[Ints, Ints],
    max_days: int,
    signals: tuple[Ints, Ints, Floats],
    params: Floats,
    keep_curve: bool,
) -> tuple[Floats, Status, Floats, Floats, Floats]:
    """Run the account over every bar. `prices` = (open, high, low, close), each bars ×
    symbols; `zone` = the FTMO zone's offset table (`calendar.offset_table`); `signals` =
    (bar, symbol, rows of side, stop, target, expiry bar) sorted by bar. Returns (trades,
    per-signal status, equity per bar, per-day record, curve figures). Without `keep_curve`
    the equity curve comes back empty and only its figures (`C_*`: what
    `metrics.curve_stats` reads from it, folded bar by bar) are kept: a sweep needs no more,
    and 8 MB per set per million bars written and read again cost it a fifth of its time."""
    o, c = prices[0], prices[3]
    bar, sym, sig = signals
    trans, offsets = zone
    n, m = o.shape
    k = bar.shape[0]
    pos, pending, trades, status, days, acct = _start(n, m, k, max_days, params)
    curve = np.zeros(CURVE_FIELDS)
    curve[C_PEAK] = params[R_INITIAL]
    equity = np.empty(n if keep_curve else 0)
    marks = (equity, curve, n - 1)
    clock = np.full(1, np.iinfo(np.int64).min, dtype=np.int64)
    sp = 0
    while sp < k and bar[sp] < 0:
        status[sp] = S_BEFORE
        sp += 1
    j = 0
    while j < n:
        calm = j if acct[A_PENDING] > 0 else (bar[sp] if sp < k else n)
        j = quiet_bars(j, calm, ts, zone, clock, prices, pos, acct, days, marks, params)
        if j >= n:
            break
        if ts[j] >= clock[CLOCK_NEXT_DAY]:  # only at `calm`: quiet_bars opens the others
            new_day(ts[j], trans, offsets, clock, acct, days, params)
        sp = _eventful_bar(
            j, sp, prices, bar, sym, sig, pending, pos, trades, status, acct, days, marks, params
        )
        j += 1
    if n > 0:
        finish(c, pending, pos, trades, status, acct, params)
        _point(n - 1, acct[A_BALANCE], (equity, curve, n))
        d = int(acct[A_DAY])
        days[d, D_END_BALANCE] = acct[A_BALANCE]
        days[d, D_END_EQUITY] = acct[A_BALANCE]
    return trades[: int(acct[A_TRADES])], status, equity, days[: int(acct[A_DAY]) + 1], curve
