"""numba's `njit`, typed for mypy --strict and always with an on-disk cache.

numba ships no type information, so a bare `@nb.njit` erases every signature it decorates.
`cache=True` everywhere makes a fresh process load machine code from `__pycache__` instead
of recompiling (the cold-start cost the benchmark measures).

numba invalidates a cache entry only when the file of the *cached* function changes, but
`loop.simulate` inlines the helpers of `account.py`, `fills.py`, `calendar.py` and
`metrics.py`, and `sweep_loop.sweep_kernel` holds its own copy of `simulate`: after an edit
of one of those files (a `git pull`, a patch) the old machine code would keep running. So
the package's compiled entries are stamped with a digest of all its sources and dropped,
here at import, when the sources differ from the stamp.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numba as nb

STAMP = "crpbot-kernels.sha256"


def drop_stale_cache(package: Path) -> bool:
    """Delete numba's cache entries in `package/__pycache__` unless its stamp matches the
    digest of the package's sources; True when entries were dropped. A read-only install
    (numba then caches elsewhere, and an upgrade rewrites every file) is left alone."""
    cache = package / "__pycache__"
    sources = sorted(package.glob("*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()
    try:
        if (cache / STAMP).read_text() == digest:
            return False
    except OSError:
        pass
    try:
        cache.mkdir(exist_ok=True)
        for entry in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            entry.unlink(missing_ok=True)
        (cache / STAMP).write_text(digest)
    except OSError:
        return False
    return True


drop_stale_cache(Path(__file__).parent)


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
