"""Resolving a signal from later candles: first touch, stop-first, gaps, expiry, still open."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.learning.outcomes import Resolution, horizon_bars, resolve_signal
from tests.unit.learning.builders import HOUR, T0, Bar, Sig, long_signal, make_candles, random_walk

FLAT: Bar = (100.0, 100.5, 99.5, 100.0)
LATE = T0 + 100 * HOUR


def _mirror(signal: Sig) -> Sig:
    """The short twin of a long signal around its entry."""
    e = signal.entry
    return replace(signal, side="short", stop=2 * e - signal.stop, target=2 * e - signal.target)


def _mirror_bars(bars: list[Bar]) -> list[Bar]:
    return [(200 - o, 200 - lo, 200 - h, 200 - c) for o, h, lo, c in bars]


@pytest.mark.parametrize(
    ("bar", "result", "exit_price", "r_multiple"),
    [
        ((100.0, 102.5, 99.5, 102.0), "won", 102.0, 2.0),
        ((100.0, 100.5, 98.5, 99.0), "lost", 99.0, -1.0),
        ((100.0, 102.5, 98.5, 100.0), "lost", 99.0, -1.0),
        ((98.0, 98.5, 97.5, 98.0), "lost", 98.0, -2.0),
        ((103.0, 103.5, 102.5, 103.0), "won", 103.0, 3.0),
    ],
    ids=["target", "stop", "both-same-bar-is-loss", "gap-through-stop", "gap-through-target"],
)
@pytest.mark.parametrize("mirrored", [False, True], ids=["long", "short"])
def test_resolve_signal_first_touch(
    bar: Bar,
    result: str,
    exit_price: float,
    r_multiple: float,
    mirrored: bool,
) -> None:
    bars = [FLAT, FLAT, bar, FLAT]
    signal = long_signal(1)
    if mirrored:
        signal, bars = _mirror(signal), _mirror_bars(bars)
        exit_price = 200 - exit_price
    resolution = resolve_signal(signal, make_candles(bars), HOUR, LATE)
    assert resolution is not None
    assert resolution.result == result
    assert resolution.exit_price == pytest.approx(exit_price)
    assert resolution.r_multiple == pytest.approx(r_multiple)
    assert resolution.exit_ts == T0 + 3 * HOUR


def test_resolve_signal_ignores_the_signal_bar_and_earlier() -> None:
    crash = (100.0, 100.0, 50.0, 100.0)
    candles = make_candles([crash, crash, FLAT, FLAT, FLAT, FLAT, FLAT])
    resolution = resolve_signal(long_signal(1, expiry_bars=3), candles, HOUR, LATE)
    assert resolution is not None and resolution.result == "expired"


def test_resolve_signal_expires_at_the_close_of_the_expiry_bar() -> None:
    bars = [FLAT, FLAT, FLAT, (100.0, 100.5, 99.5, 100.4), (100.4, 101.0, 100.0, 100.5)]
    resolution = resolve_signal(long_signal(0, expiry_bars=3), make_candles(bars), HOUR, LATE)
    assert resolution is not None
    assert (resolution.result, resolution.exit_price) == ("expired", 100.4)
    assert resolution.r_multiple == pytest.approx(0.4)
    assert resolution.exit_ts == T0 + 4 * HOUR


def test_resolve_signal_touch_on_the_expiry_bar_still_counts() -> None:
    bars = [FLAT, FLAT, (100.0, 102.5, 99.5, 102.0)]
    resolution = resolve_signal(long_signal(0, expiry_bars=2), make_candles(bars), HOUR, LATE)
    assert resolution is not None and resolution.result == "won"


@pytest.mark.parametrize(
    ("now_bars", "n_bars"),
    [(2, 3), (10, 3), (3.5, 10)],
    ids=["only-signal-bar-closed", "data-ends-before-expiry", "expiry-bar-not-closed"],
)
def test_resolve_signal_stays_open(now_bars: float, n_bars: int) -> None:
    candles = make_candles([FLAT] * n_bars)
    signal = long_signal(1, expiry_bars=2)
    assert resolve_signal(signal, candles, HOUR, T0 + now_bars * HOUR) is None


def test_resolve_signal_never_uses_a_bar_still_forming() -> None:
    candles = make_candles([FLAT, FLAT, (100.0, 102.5, 99.5, 102.0)])
    signal = long_signal(1)
    assert resolve_signal(signal, candles, HOUR, T0 + 3 * HOUR - HOUR / 2) is None
    assert resolve_signal(signal, candles, HOUR, T0 + 3 * HOUR) == Resolution(
        "won", 102.0, T0 + 3 * HOUR, 2.0
    )


@pytest.mark.parametrize(
    "signal",
    [
        replace(long_signal(0), stop=100.0),
        replace(long_signal(0), stop=101.0),
        replace(long_signal(0), target=99.0),
        replace(long_signal(0), side="flat"),
        replace(_mirror(long_signal(0)), stop=99.0),
    ],
    ids=["stop-at-entry", "long-stop-above", "long-target-below", "bad-side", "short-stop-below"],
)
def test_resolve_signal_rejects_impossible_levels(signal: Sig) -> None:
    with pytest.raises(ValueError):
        resolve_signal(signal, make_candles([FLAT] * 5), HOUR, LATE)


@st.composite
def _walk_and_signal(draw: st.DrawFn) -> tuple[Sig, int, int]:
    seed = draw(st.integers(0, 10_000))
    bar = draw(st.integers(0, 30))
    expiry = draw(st.integers(1, 12))
    return (
        replace(
            long_signal(bar, expiry_bars=expiry), side=draw(st.sampled_from(["long", "short"]))
        ),
        seed,
        draw(st.integers(bar + 1, 60)),
    )


@settings(max_examples=150, deadline=None)
@given(case=_walk_and_signal(), stop=st.floats(0.1, 2.0), target=st.floats(0.1, 3.0))
def test_resolve_signal_uses_only_closed_bars_after_the_signal(
    case: tuple[Sig, int, int], stop: float, target: float
) -> None:
    signal, seed, now_bars = case
    candles = random_walk(60, seed)
    entry = float(candles["close"].iloc[int((signal.bar_ts - T0) / HOUR)])
    sign = 1.0 if signal.side == "long" else -1.0
    signal = replace(signal, entry=entry, stop=entry - sign * stop, target=entry + sign * target)
    now = T0 + now_bars * HOUR
    resolution = resolve_signal(signal, candles, HOUR, now)
    if resolution is not None:
        assert signal.bar_ts + 2 * HOUR <= resolution.exit_ts <= now
        if resolution.result == "lost":
            assert resolution.r_multiple <= -1.0 + 1e-9
        if resolution.result == "won":
            assert resolution.r_multiple >= target / stop - 1e-9
    earlier = candles.index <= signal.bar_ts
    scrambled = candles.copy()
    scrambled.loc[earlier, ["open", "high", "low", "close"]] = 1.0
    scrambled.loc[earlier, "high"] = 1e9
    assert resolve_signal(signal, scrambled, HOUR, now) == resolution


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    side=st.sampled_from(["long", "short"]),
    overshoot=st.floats(0.0, 5.0),
)
def test_resolve_signal_stop_and_target_in_one_bar_is_a_loss(
    seed: int, side: str, overshoot: float
) -> None:
    candles = random_walk(3, seed)
    entry = float(candles["close"].iloc[0])
    sign = 1.0 if side == "long" else -1.0
    signal = replace(
        long_signal(0), side=side, entry=entry, stop=entry - sign * 1.0, target=entry + sign * 2.0
    )
    candles.iloc[1] = [entry, entry + 2.0 + overshoot, entry - 1.0 - overshoot, entry, 1.0]
    resolution = resolve_signal(signal, candles, HOUR, LATE)
    assert resolution is not None
    assert resolution.result == "lost"
    assert resolution.r_multiple == pytest.approx(-1.0)


def test_resolve_signal_counts_the_horizon_in_bars_across_a_weekend() -> None:
    """A Friday 20:00 UTC signal with a 4-bar horizon (stored expiry: Saturday 00:00). Bars
    after it: Friday 21:00, Sunday 22:00, Sunday 23:00, Monday 00:00; the 4th closes it at
    100.4. Read as clock time, Sunday 22:00 (the 2nd bar) would already have expired it."""
    friday = make_candles([FLAT, FLAT], start=T0 + 20 * HOUR)
    sunday = make_candles(
        [FLAT, FLAT, (100.0, 100.5, 99.5, 100.4), (100.4, 101.0, 100.0, 100.9)],
        start=T0 + (2 * 24 + 22) * HOUR,
    )
    candles = pd.concat([friday, sunday])
    signal = long_signal(20, expiry_bars=4)
    assert horizon_bars(signal, HOUR) == 4
    resolution = resolve_signal(signal, candles, HOUR, LATE)
    assert resolution is not None
    assert (resolution.result, resolution.exit_price) == ("expired", 100.4)
    assert resolution.exit_ts == T0 + (3 * 24 + 1) * HOUR


def test_resolve_signal_without_its_own_bar_falls_back_to_the_expiry_time() -> None:
    """Candles starting after the signal bar cannot be counted from it: the first bar opening
    at or after the stored expiry (bar 4) closes the signal."""
    bars = [FLAT] * 4 + [(100.0, 100.5, 99.5, 100.3), FLAT]
    candles = make_candles(bars).iloc[2:]
    resolution = resolve_signal(long_signal(0, expiry_bars=4), candles, HOUR, LATE)
    assert resolution is not None
    assert (resolution.result, resolution.exit_price) == ("expired", 100.3)
