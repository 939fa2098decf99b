"""The parameter grid of a backtest sweep: which stops, targets and thresholds to try.

A grid names up to three axes, each a list of values; every combination is one parameter set:
- `stop`: the stop's distance from the signal's entry price, in ATRs (> 0);
- `target`: the target's distance, in ATRs (> 0);
- `threshold`: the minimum confidence a signal needs to be taken, in [0, 1].
An axis left out keeps one value (`stop` 2, `target` 3, `threshold` 0: the baseline's exits,
every signal). Given as `name=v1,v2,...` items (the CLI's repeated `--sweep`) or as a JSON or
YAML file mapping each name to a list (or one number).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

AXES: dict[str, float] = {"stop": 2.0, "target": 3.0, "threshold": 0.0}
MAX_SETS = 100_000


class GridError(ValueError):
    """The grid cannot be swept; the message says which part is wrong."""


@dataclass(frozen=True)
class SweepSet:
    """One combination: exits in ATRs from the entry, and the confidence a signal needs."""

    stop_atr: float
    target_atr: float
    threshold: float


@dataclass(frozen=True)
class SweepGrid:
    stop_atr: tuple[float, ...]
    target_atr: tuple[float, ...]
    threshold: tuple[float, ...]

    def sets(self) -> list[SweepSet]:
        """Every combination, stop slowest and threshold fastest."""
        product = itertools.product(self.stop_atr, self.target_atr, self.threshold)
        return [SweepSet(*values) for values in product]


def grid_from_axes(axes: Mapping[str, Iterable[float]]) -> SweepGrid:
    """Validate named axes (missing ones take their single default) into a grid."""
    unknown = sorted(set(axes) - set(AXES))
    if unknown:
        raise GridError(f"unknown sweep axis {unknown[0]!r}; use {', '.join(AXES)}")
    values = {name: tuple(axes.get(name, (default,))) for name, default in AXES.items()}
    for name, vals in values.items():
        _check_axis(name, vals)
    size = math.prod(len(v) for v in values.values())
    if size > MAX_SETS:
        raise GridError(f"the grid has {size:,} combinations; at most {MAX_SETS:,} are swept")
    return SweepGrid(values["stop"], values["target"], values["threshold"])


def _check_axis(name: str, values: tuple[float, ...]) -> None:
    """Values in range, each once: a repeated value would only sweep the same set twice and
    rank it beside itself."""
    if not values:
        raise GridError(f"sweep axis {name!r} has no values")
    bad = [v for v in values if not _valid(name, v)]
    if bad:
        allowed = "in [0, 1]" if name == "threshold" else "> 0"
        raise GridError(f"sweep axis {name!r}: {bad[0]!r} is not a number {allowed}")
    seen: set[float] = set()
    for value in values:
        if value in seen:
            raise GridError(f"sweep axis {name!r}: {value!r} is listed twice; list each once")
        seen.add(value)


def _valid(name: str, value: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return 0 <= value <= 1 if name == "threshold" else value > 0


def parse_items(items: Iterable[str]) -> SweepGrid:
    """`["stop=1,1.5", "target=2,3"]` -> a grid; an axis given twice is an error."""
    axes: dict[str, list[float]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise GridError(f"--sweep {item!r}: expected name=v1,v2,... (e.g. stop=1,1.5,2)")
        if name in axes:
            raise GridError(f"--sweep {name} given twice; list all its values once")
        try:
            axes[name] = [float(v) for v in text.split(",")]
        except ValueError:
            raise GridError(f"--sweep {item!r}: values must be numbers") from None
    return grid_from_axes(axes)


def load_grid_file(path: Path) -> SweepGrid:
    """A JSON (`.json`) or YAML (anything else) mapping of axis name to a list of values."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GridError(f"cannot read grid file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GridError(f"grid file {path} is not valid: {first}") from None
    if not isinstance(data, dict):
        raise GridError(f"grid file {path} must map axis names to lists of values")
    axes = {str(k): v if isinstance(v, list) else [v] for k, v in data.items()}
    return grid_from_axes(axes)
