from __future__ import annotations

import pytest

from crpbot.backtest.costs import DEFAULT_COSTS, TradingCosts, asset_class, costs_for


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        ("EUR-USD", "fx"),
        ("EURUSD", "fx"),
        ("gbp/jpy", "fx"),
        ("BTC-USD", "crypto"),
        ("ETH-EUR", "crypto"),
        ("CANDLES", "crypto"),
    ],
)
def test_asset_class_by_legs(symbol: str, kind: str) -> None:
    assert asset_class(symbol) == kind


def test_default_costs_are_realistic_and_never_zero() -> None:
    fx, crypto = DEFAULT_COSTS["fx"], DEFAULT_COSTS["crypto"]
    assert 0.7e-4 <= fx.per_side <= 1.0e-4
    assert crypto.fee == pytest.approx(0.006)
    assert costs_for("EUR-USD") == fx and costs_for("BTC-USD") == crypto


def test_costs_for_prefers_the_symbols_own_entry() -> None:
    own = TradingCosts(fee=0.004, slippage=0.0002)
    assert costs_for("BTC-USD", by_symbol={"BTC-USD": own}) == own
    assert costs_for("ETH-USD", by_symbol={"BTC-USD": own}) == DEFAULT_COSTS["crypto"]


def test_costs_describe_states_the_total_and_its_parts() -> None:
    text = TradingCosts(fee=0.3e-4, slippage=0.5e-4).describe()
    assert text == "costs 0.80 bp/side = fee 0.30 bp + half-spread 0.50 bp"


@pytest.mark.parametrize(("fee", "slippage"), [(-0.1, 0.0), (0.0, 1.0)])
def test_costs_refuse_impossible_fractions(fee: float, slippage: float) -> None:
    with pytest.raises(ValueError, match="fractions"):
        TradingCosts(fee=fee, slippage=slippage)
