"""Expectancy in R after costs, the one win rate, break-even, the t interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crpbot.skill.expectancy import (
    TradeR,
    break_even_win_rate,
    by_tier,
    cost_in_r,
    describe,
    mean_interval,
    reward_to_risk,
    summarize,
    trade_r,
)

FOUR_THIRDS = 2.0 / 1.5


@pytest.mark.parametrize(
    ("reward", "cost", "expected"),
    [
        (FOUR_THIRDS, 0.0, 3 / 7),  # 2 : 1.5 ATR, no costs: 1 / (4/3 + 1)
        (1.0, 0.0, 0.5),
        (2.0, 0.0, 1 / 3),
        (FOUR_THIRDS, 0.1, 1.1 / (7 / 3)),  # 0.1 R of costs: 47.1%
        (3.0, 0.2, 0.3),
    ],
)
def test_break_even_win_rate_hand_computed(reward: float, cost: float, expected: float) -> None:
    assert break_even_win_rate(reward, cost) == pytest.approx(expected)


@given(reward=st.floats(0.1, 10), cost=st.floats(0, 2), p=st.floats(0, 1, allow_subnormal=False))
def test_break_even_win_rate_zeroes_the_expectancy(reward: float, cost: float, p: float) -> None:
    be = break_even_win_rate(reward, cost)
    assert be * (reward - cost) - (1 - be) * (1 + cost) == pytest.approx(0.0, abs=1e-9)
    edge = p * (reward - cost) - (1 - p) * (1 + cost)
    assert (edge > 1e-9) <= (p > be)


@pytest.mark.parametrize(("reward", "cost"), [(0.0, 0.0), (-1.0, 0.0), (1.0, -0.1)])
def test_break_even_win_rate_refuses_nonsense(reward: float, cost: float) -> None:
    with pytest.raises(ValueError):
        break_even_win_rate(reward, cost)


def test_cost_in_r_scales_with_entry_over_stop_distance() -> None:
    # 0.1% round trip on a 100 entry with the stop 0.5 away: 0.1 price = 0.2 R.
    assert cost_in_r(100.0, 99.5, 0.001) == pytest.approx(0.2)
    assert cost_in_r(100.0, 100.5, 0.001) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        cost_in_r(100.0, 100.0, 0.001)


def test_trade_r_charges_costs_on_each_kind_of_end() -> None:
    # long 100, stop 98.5, target 102: reward 4/3; 0.15% round trip = 0.1 R.
    won = trade_r("won", FOUR_THIRDS, 100.0, 98.5, 102.0, 0.0015)
    lost = trade_r("lost", -1.0, 100.0, 98.5, 102.0, 0.0015)
    expired = trade_r("expired", 0.05, 100.0, 98.5, 102.0, 0.0015)
    assert won.r == pytest.approx(FOUR_THIRDS - 0.1)
    assert lost.r == pytest.approx(-1.1)
    assert expired.r == pytest.approx(-0.05)
    assert won.reward_r == pytest.approx(FOUR_THIRDS) == reward_to_risk(100.0, 98.5, 102.0)
    assert won.cost_r == pytest.approx(0.1)


def test_summarize_win_rate_counts_decided_trades_only() -> None:
    trades = [
        TradeR("won", 1.2, FOUR_THIRDS, 0.1),
        TradeR("lost", -1.1, FOUR_THIRDS, 0.1),
        TradeR("lost", -1.1, FOUR_THIRDS, 0.1),
        TradeR("expired", 0.4, FOUR_THIRDS, 0.1),
    ]
    figures = summarize(trades)
    assert (figures.n, figures.wins, figures.losses, figures.expired) == (4, 1, 2, 1)
    assert figures.decided == 3
    assert figures.win_rate == pytest.approx(1 / 3)
    assert figures.mean_r == pytest.approx((1.2 - 2.2 + 0.4) / 4)
    assert figures.break_even == pytest.approx(1.1 / (FOUR_THIRDS + 1))


def test_summarize_of_nothing_is_undefined_not_zero() -> None:
    figures = summarize([])
    assert figures.n == 0
    assert figures.win_rate is None and figures.mean_r is None and figures.low is None
    assert describe(figures) == "no resolved trades"


def test_summarize_one_trade_has_no_interval() -> None:
    figures = summarize([TradeR("expired", 0.2, 1.0, 0.0)])
    assert figures.win_rate is None and figures.low is None and figures.high is None
    assert figures.mean_r == pytest.approx(0.2)


def test_mean_interval_matches_the_t_table() -> None:
    # mean 2, sample sd 1.5811, n 5: t(0.975, 4) = 2.776 -> half width 1.963.
    low, high = mean_interval([0.0, 1.0, 2.0, 3.0, 4.0]) or (math.nan, math.nan)
    assert (low, high) == pytest.approx((2 - 1.9632, 2 + 1.9632), abs=1e-3)
    assert mean_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)


@given(st.lists(st.floats(-2, 3, allow_nan=False), min_size=2, max_size=60))
def test_mean_interval_contains_the_mean(values: list[float]) -> None:
    low, high = mean_interval(values) or (math.nan, math.nan)
    mean = sum(values) / len(values)
    assert low - 1e-9 <= mean <= high + 1e-9


def test_by_tier_keeps_tiers_apart() -> None:
    tiers = by_tier(
        [
            ("high", TradeR("won", 1.3, FOUR_THIRDS, 0.0)),
            ("medium", TradeR("lost", -1.0, FOUR_THIRDS, 0.0)),
            ("high", TradeR("lost", -1.0, FOUR_THIRDS, 0.0)),
        ]
    )
    assert list(tiers) == ["high", "medium"]
    assert (tiers["high"].n, tiers["high"].win_rate) == (2, 0.5)
    assert (tiers["medium"].n, tiers["medium"].win_rate) == (1, 0.0)


def test_describe_names_win_rate_break_even_and_interval() -> None:
    line = describe(
        summarize([TradeR("won", 1.2, FOUR_THIRDS, 0.1), TradeR("lost", -1.1, FOUR_THIRDS, 0.1)])
    )
    assert line.startswith("n 2 (won 1, lost 1, expired 0), win rate 50.0% vs break-even 47.1%")
    assert "expectancy +0.05 R after costs, 95% [" in line
