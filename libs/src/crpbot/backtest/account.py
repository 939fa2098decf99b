"""Account state of the compiled backtest and the events that change it.

State lives in small float arrays indexed by the constants below (one row per symbol for
positions, one row per filled signal for trades, one vector for the account) so the helpers
take plain arrays and numba compiles them without Python objects. Every helper here runs only
on a bar where something happens (a fill, an exit, a floor touch, a new day, a signal); the
quiet bars in between are walked by `loop.quiet_bars` in one tight loop.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from crpbot.backtest.calendar import local_day
from crpbot.backtest.fills import (
    EXIT_DAILY_HALT,
    EXIT_END_OF_DATA,
    EXIT_EXPIRY,
    EXIT_NONE,
    EXIT_STOP,
    EXIT_TOTAL_HALT,
    adverse_price,
    bar_exit,
    levels_already_passed,
    slipped,
)
from crpbot.backtest.ftmo import (
    BREACH_DAILY,
    BREACH_TOTAL,
    D_BASE,
    D_BREACH,
    D_CODE,
    D_END_BALANCE,
    D_FLOOR,
    D_MIN_EQUITY,
    D_OPENED,
)
from crpbot.backtest.jit import inlined

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Status = npt.NDArray[np.int8]

# params
R_INITIAL, R_RISK, R_FEE, R_SLIP, R_DAILY_LOSS, R_TOTAL_LOSS = range(6)
# position state, one row per symbol
P_OPEN, P_SIDE, P_SIZE, P_ENTRY, P_STOP, P_TARGET, P_EXPIRY, P_BAR, P_SIG, P_FEE = range(10)
POS_FIELDS = 10
# trade records, one row per filled signal
T_SIG, T_SYM, T_SIDE, T_ENTRY_BAR, T_EXIT_BAR, T_ENTRY, T_EXIT, T_SIZE, T_PNL, T_FEES = range(10)
T_REASON = 10
TRADE_FIELDS = 11
# account
A_BALANCE, A_DAILY_FLOOR, A_TOTAL_FLOOR, A_HALT_DAY, A_HALT_ALL, A_TRADES = range(6)
A_DAY, A_PENDING = range(6, 8)
ACCOUNT_FIELDS = 8
# integer clock: when the next local day starts (UTC ns)
CLOCK_NEXT_DAY = 0
# signal status (same numbers as signals.SignalStatus)
S_FILLED, S_OVERLAP, S_HALTED, S_PASSED, S_NO_NEXT, S_BEFORE, S_EXPIRED = range(7)


@inlined
def close_position(
    s: int,
    j: int,
    raw: float,
    reason: int,
    pos: Floats,
    trades: Floats,
    acct: Floats,
    params: Floats,
) -> None:
    side, size, entry = pos[s, P_SIDE], pos[s, P_SIZE], pos[s, P_ENTRY]
    price = slipped(raw, side, False, params[R_SLIP])
    fee = size * price * params[R_FEE]
    gross = side * size * (price - entry)
    acct[A_BALANCE] += gross - fee
    t = int(acct[A_TRADES])
    acct[A_TRADES] += 1.0
    trades[t, T_SIG] = pos[s, P_SIG]
    trades[t, T_SYM] = s
    trades[t, T_SIDE] = side
    trades[t, T_ENTRY_BAR] = pos[s, P_BAR]
    trades[t, T_EXIT_BAR] = j
    trades[t, T_ENTRY] = entry
    trades[t, T_EXIT] = price
    trades[t, T_SIZE] = size
    trades[t, T_PNL] = gross - fee - pos[s, P_FEE]
    trades[t, T_FEES] = fee + pos[s, P_FEE]
    trades[t, T_REASON] = reason
    pos[s, P_OPEN] = 0.0


@inlined
def open_position(
    s: int,
    q: int,
    j: int,
    open_: float,
    sig: Floats,
    pos: Floats,
    acct: Floats,
    params: Floats,
) -> bool:
    """Open signal q on symbol s at this bar's open; False when the open is past its levels."""
    side, stop, target = sig[q, 0], sig[q, 1], sig[q, 2]
    price = slipped(open_, side, True, params[R_SLIP])
    if levels_already_passed(side, stop, target, price):
        return False
    size = params[R_RISK] * acct[A_BALANCE] / abs(price - stop)
    fee = size * price * params[R_FEE]
    acct[A_BALANCE] -= fee
    pos[s, P_OPEN] = 1.0
    pos[s, P_SIDE] = side
    pos[s, P_SIZE] = size
    pos[s, P_ENTRY] = price
    pos[s, P_STOP] = stop
    pos[s, P_TARGET] = target
    pos[s, P_EXPIRY] = sig[q, 3]
    pos[s, P_BAR] = j
    pos[s, P_SIG] = q
    pos[s, P_FEE] = fee
    return True


@inlined
def fill_pending(
    j: int,
    o: Floats,
    pending: Ints,
    sig: Floats,
    pos: Floats,
    status: Status,
    acct: Floats,
    days: Floats,
    params: Floats,
) -> None:
    halted = acct[A_HALT_DAY] > 0 or acct[A_HALT_ALL] > 0
    acct[A_PENDING] = 0.0
    for s in range(pending.shape[0]):
        q = pending[s]
        if q < 0:
            continue
        pending[s] = -1
        if halted:
            status[q] = S_HALTED
        elif open_position(s, q, j, o[j, s], sig, pos, acct, params):
            status[q] = S_FILLED
            days[int(acct[A_DAY]), D_OPENED] += 1.0
        else:
            status[q] = S_PASSED


@inlined
def exit_positions(
    j: int,
    o: Floats,
    h: Floats,
    lo: Floats,
    c: Floats,
    pos: Floats,
    trades: Floats,
    acct: Floats,
    params: Floats,
) -> None:
    for s in range(pos.shape[0]):
        if pos[s, P_OPEN] == 0.0:
            continue
        reason, raw = bar_exit(
            pos[s, P_SIDE], pos[s, P_STOP], pos[s, P_TARGET], o[j, s], h[j, s], lo[j, s]
        )
        if reason == EXIT_NONE and j >= pos[s, P_EXPIRY]:
            reason, raw = EXIT_EXPIRY, c[j, s]
        if reason != EXIT_NONE:
            close_position(s, j, raw, reason, pos, trades, acct, params)


@inlined
def equity_at(c: Floats, j: int, pos: Floats, balance: float) -> float:
    """Balance plus open P/L marked at bar j's close."""
    equity = balance
    for s in range(pos.shape[0]):
        if pos[s, P_OPEN] > 0:
            equity += pos[s, P_SIDE] * pos[s, P_SIZE] * (c[j, s] - pos[s, P_ENTRY])
    return equity


@inlined
def exposure_price(j: int, s: int, o: Floats, h: Floats, lo: Floats, pos: Floats) -> float:
    """The worst price position s can have seen inside bar j: the bar's adverse extreme, or its
    stop fill when the bar reaches the stop (the stop closed it there, stop first as always).
    A target the bar also reaches does not help: the adverse extreme may have come first."""
    side = pos[s, P_SIDE]
    reason, raw = bar_exit(side, pos[s, P_STOP], pos[s, P_TARGET], o[j, s], h[j, s], lo[j, s])
    if reason == EXIT_STOP:
        return raw
    return adverse_price(side, h[j, s], lo[j, s])


@inlined
def check_floors(
    j: int,
    o: Floats,
    h: Floats,
    lo: Floats,
    pos: Floats,
    trades: Floats,
    acct: Floats,
    days: Floats,
    params: Floats,
) -> None:
    """Judge equity with every open position at its exposure price against both floors; on a
    breach close them all there. Runs before the bar's exits are booked (so a target reached
    in a bar that also breached a floor is not booked as a win) and again after them (an exit's
    fee and slippage may be what crosses the floor)."""
    d = int(acct[A_DAY])
    worst = acct[A_BALANCE]
    for s in range(pos.shape[0]):
        if pos[s, P_OPEN] > 0:
            mark = exposure_price(j, s, o, h, lo, pos)
            worst += pos[s, P_SIDE] * pos[s, P_SIZE] * (mark - pos[s, P_ENTRY])
    days[d, D_MIN_EQUITY] = min(days[d, D_MIN_EQUITY], worst)
    if acct[A_HALT_ALL] > 0:
        return
    if worst < acct[A_TOTAL_FLOOR]:
        reason, breach = EXIT_TOTAL_HALT, BREACH_TOTAL
        acct[A_HALT_ALL] = 1.0
    elif worst < acct[A_DAILY_FLOOR] and acct[A_HALT_DAY] == 0.0:
        reason, breach = EXIT_DAILY_HALT, BREACH_DAILY
        acct[A_HALT_DAY] = 1.0
    else:
        return
    days[d, D_BREACH] = max(days[d, D_BREACH], breach)
    for s in range(pos.shape[0]):
        if pos[s, P_OPEN] > 0:
            raw = exposure_price(j, s, o, h, lo, pos)
            close_position(s, j, raw, reason, pos, trades, acct, params)


@inlined
def new_day(
    ts_ns: int,
    trans: Ints,
    offsets: Ints,
    clock: Ints,
    acct: Floats,
    days: Floats,
    params: Floats,
) -> None:
    """Open the local day holding `ts_ns`: its base is the balance now (no bar lies between
    midnight and this bar's open, so it is the midnight balance), a daily halt is lifted."""
    code, clock[CLOCK_NEXT_DAY] = local_day(ts_ns, trans, offsets)
    d = int(acct[A_DAY]) + 1
    acct[A_DAY] = d
    acct[A_HALT_DAY] = 0.0
    base = acct[A_BALANCE]
    acct[A_DAILY_FLOOR] = base - params[R_DAILY_LOSS] * params[R_INITIAL]
    days[d, D_CODE] = code
    days[d, D_BASE] = base
    days[d, D_END_BALANCE] = base
    days[d, D_FLOOR] = acct[A_DAILY_FLOOR]
    days[d, D_MIN_EQUITY] = np.inf


@inlined
def queue(
    j: int,
    sp: int,
    bar: Ints,
    sym: Ints,
    sig: Floats,
    pending: Ints,
    pos: Floats,
    status: Status,
    acct: Floats,
) -> int:
    halted = acct[A_HALT_DAY] > 0 or acct[A_HALT_ALL] > 0
    while sp < bar.shape[0] and bar[sp] == j:
        s = sym[sp]
        if sig[sp, 3] <= j:
            status[sp] = S_EXPIRED
        elif halted:
            status[sp] = S_HALTED
        elif pending[s] >= 0 or pos[s, P_OPEN] > 0:
            status[sp] = S_OVERLAP
        else:
            pending[s] = sp
            acct[A_PENDING] += 1.0
        sp += 1
    return sp


@inlined
def finish(
    c: Floats,
    pending: Ints,
    pos: Floats,
    trades: Floats,
    status: Status,
    acct: Floats,
    params: Floats,
) -> None:
    last = c.shape[0] - 1
    for s in range(pos.shape[0]):
        if pending[s] >= 0:
            status[pending[s]] = S_NO_NEXT
        if pos[s, P_OPEN] > 0:
            close_position(s, last, c[last, s], EXIT_END_OF_DATA, pos, trades, acct, params)
