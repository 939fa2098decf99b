"""The skill gate's decision on hand-built outcome sets, and what it never does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crpbot.skill.gate import (
    DEMONSTRATED,
    NOT_ABOVE_ZERO,
    TOO_FEW,
    GateRules,
    gate_of,
    headline,
    skill_gate,
    skill_gates,
)
from tests.fixtures.skill_outcomes import REWARD, T0, Out, Sig, outcomes

LATER = T0 + timedelta(days=60)
NO_COST = GateRules(min_resolved=100, round_trip_cost=0.0)


@pytest.mark.parametrize(
    ("won", "lost", "expired", "reason"),
    [
        (70, 29, 0, TOO_FEW),  # clearly positive but 99 < 100
        (0, 0, 0, TOO_FEW),  # no evidence at all
        (43, 57, 0, NOT_ABOVE_ZERO),  # 43% vs break-even 42.9%: interval straddles zero
        (30, 70, 0, NOT_ABOVE_ZERO),  # clearly negative
        (20, 20, 60, NOT_ABOVE_ZERO),  # mostly expiries at 0 R: mean 0.067, interval reaches 0
        (70, 30, 0, DEMONSTRATED),  # mean 0.633 R, interval well above zero
        (60, 30, 30, DEMONSTRATED),  # expiries count in n and in the mean
    ],
)
def test_skill_gate_decides_hand_built_sets(won: int, lost: int, expired: int, reason: str) -> None:
    decision = skill_gate(outcomes("high", won, lost, expired), "high", LATER, NO_COST)
    assert decision.reason == reason
    assert decision.open is (reason == DEMONSTRATED)
    assert decision.n == won + lost + expired


def test_skill_gate_clearly_positive_numbers() -> None:
    decision = skill_gate(outcomes("high", 70, 30), "high", LATER, NO_COST)
    assert decision.expectancy == pytest.approx(0.7 * REWARD - 0.3)
    low, high = decision.interval or (0.0, 0.0)
    assert 0 < low < decision.expectancy < high
    assert decision.break_even == pytest.approx(3 / 7)
    assert decision.decided_at == LATER


def test_skill_gate_costs_can_close_it() -> None:
    """55 of 100 at 4/3 : 1 make +0.28 R gross; 0.6% round trip on a 1.5-point stop costs
    0.4 R a trade and leaves the tier losing."""
    resolved = outcomes("high", 55, 45)
    assert skill_gate(resolved, "high", LATER, NO_COST).open
    costly = skill_gate(resolved, "high", LATER, GateRules(round_trip_cost=0.006))
    assert costly.reason == NOT_ABOVE_ZERO
    assert costly.expectancy == pytest.approx(0.55 * REWARD - 0.45 - 0.4)
    assert costly.break_even == pytest.approx(1.4 / (REWARD + 1))


def test_skill_gates_are_per_tier() -> None:
    resolved = outcomes("high", 70, 30) + outcomes("medium", 40, 10) + outcomes("low", 30, 70)
    decisions = skill_gates(resolved, LATER, NO_COST)
    assert [d.tier for d in decisions] == ["high", "medium", "low"]
    assert [d.reason for d in decisions] == [DEMONSTRATED, TOO_FEW, NOT_ABOVE_ZERO]
    assert [d.n for d in decisions] == [100, 50, 100]
    assert headline(decisions) == gate_of(decisions, "high")


def test_headline_without_open_tier_is_the_one_with_most_evidence() -> None:
    resolved = outcomes("high", 3, 2) + outcomes("medium", 40, 60)
    decisions = skill_gates(resolved, LATER, NO_COST)
    assert headline(decisions).tier == "medium"


def test_skill_gate_ignores_outcomes_resolved_after_now() -> None:
    resolved = outcomes("high", 70, 30)
    before_last = resolved[-1][1].resolved_ts - timedelta(seconds=1)
    decision = skill_gate(resolved, "high", before_last, NO_COST)
    assert (decision.n, decision.reason) == (99, TOO_FEW)


def test_skill_gate_min_resolved_is_configurable() -> None:
    decision = skill_gate(outcomes("high", 35, 15), "high", LATER, GateRules(30, 0.0))
    assert decision.open


def test_skill_gate_refuses_a_naive_clock() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        skill_gate([], "high", LATER.replace(tzinfo=None))


def test_gate_message_says_unproven_with_numbers() -> None:
    message = skill_gate(outcomes("medium", 10, 14), "medium", LATER, NO_COST).message
    assert message.startswith("medium tier UNPROVEN: n 24 (needs 100), expectancy -0.03 R")
    assert "95% [" in message and "break-even 42.9%" in message
    empty = skill_gate([], "low", LATER).message
    assert empty == "low tier UNPROVEN: no resolved signals yet (needs 100)"


_ENDS = st.sampled_from([("won", REWARD), ("lost", -1.0)]) | st.tuples(
    st.just("expired"), st.floats(-1.0, REWARD)
)


@given(
    ends=st.lists(_ENDS, max_size=160),
    min_resolved=st.integers(2, 150),
    cost=st.floats(0.0, 0.01),
)
def test_skill_gate_never_opens_below_min_or_without_positive_bound(
    ends: list[tuple[str, float]], min_resolved: int, cost: float
) -> None:
    resolved = [
        (Sig("high"), Out(result, r, T0 + timedelta(hours=i)))  # type: ignore[arg-type]
        for i, (result, r) in enumerate(ends)
    ]
    decision = skill_gate(resolved, "high", LATER, GateRules(min_resolved, cost))
    if decision.open:
        assert decision.n >= min_resolved
        assert decision.interval is not None and decision.interval[0] > 0
    if decision.n < min_resolved:
        assert not decision.open and decision.reason == TOO_FEW
