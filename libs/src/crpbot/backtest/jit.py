"""numba's `njit`, typed for mypy --strict and always with an on-disk cache.

numba ships no type information, so a bare `@nb.njit` erases every signature it decorates.
`cache=True` everywhere makes a fresh process load machine code from `__pycache__` instead
of recompiling (the cold-start cost the benchmark measures).

Caveat of numba's cache: an entry is invalidated only when the file of the *cached* function
changes. `loop.simulate` inlines the helpers of `account.py`, `fills.py`, `calendar.py` and
`metrics.py`, and `sweep_loop.sweep_kernel` holds its own copy of `simulate`, so after
editing any of those delete `libs/src/crpbot/backtest/__pycache__/*.nb*` before trusting a
run (touching `loop.py` alone leaves the sweep on the old code). Fresh clones and CI have
no cache and are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba as nb


def compiled[F: Callable[..., Any]](func: F) -> F:
    """Compile `func` in nopython mode with a persistent cache; keep its static type."""
    return cast(F, nb.njit(cache=True)(func))


def inlined[F: Callable[..., Any]](func: F) -> F:
    """Like `compiled`, and inlined into its callers at numba IR level: a helper of the bar
    loop called per bar would otherwise pay reference counting on every array argument."""
    return cast(F, nb.njit(cache=True, inline="always")(func))


def parallel[F: Callable[..., Any]](func: F) -> F:
    """Like `compiled`, with `numba.prange` loops spread over every core (`parallel=True`)."""
    return cast(F, nb.njit(cache=True, parallel=True)(func))
