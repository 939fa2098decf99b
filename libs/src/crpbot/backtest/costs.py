"""What a fill costs on each kind of instrument, so no P/L is ever shown without costs.

A replay with zero costs flatters any signal source that trades often: on the bundled EUR/USD
hours about 0.8 bp per side is enough to turn a small positive result negative. So every
place that shows a P/L (the demo, `crpbot backtest`, the backtest report) takes its costs from
this one table unless told otherwise, and states them next to the figure.

Defaults (per side, as fractions of the fill's notional; override them in the settings'
`costs` section):

- FX majors (both legs ISO currencies, e.g. EUR-USD): fee 0.3 bp, half-spread 0.5 bp, about
  0.8 bp per side. A 1-pip EUR/USD spread at 1.17 is 0.85 bp round trip, so 0.43 bp each way;
  the fee stands for a prop-firm/ECN commission of about $3 per lot per side ($3 on
  $117,000). Assumed typical retail figures, not a quote from one broker.
- Crypto (anything else, e.g. BTC-USD): fee 0.60% per side, half-spread 1 bp. Coinbase
  Advanced Trade charges by 30-day volume: its lowest tier ("Intro 1", under $1K) is 0.60%
  maker and 1.20% taker, falling to 0.00% / 0.05% above $250M (Coinbase Advanced fees page,
  help.coinbase.com/en/coinbase/trading-and-funding/advanced-trade/advanced-trade-fees, as
  summarised in api-evangelist/coinbase's pricing file). 0.60% is a low-tier rate; a market
  order at the very first tier pays twice that. The half-spread of 1 bp is an assumption for
  liquid USD books.

The half-spread is booked as the engine's slippage (every fill moves against you by it), the
fee as its per-side fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AssetClass = Literal["fx", "crypto"]

FIAT_CURRENCIES = frozenset(
    {"USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK", "SGD", "HKD"}
)
_BP = 1e-4


@dataclass(frozen=True)
class TradingCosts:
    """Per-side fee and half-spread (slippage), fractions of the fill's notional."""

    fee: float
    slippage: float

    def __post_init__(self) -> None:
        if not (0 <= self.fee < 1 and 0 <= self.slippage < 1):
            raise ValueError("fee and slippage are fractions in [0, 1)")

    @property
    def per_side(self) -> float:
        """Everything one fill costs, as a fraction: fee plus half-spread."""
        return self.fee + self.slippage

    def describe(self) -> str:
        """The label printed next to every P/L figure, e.g. `costs 0.80 bp/side = fee ...`."""
        return (
            f"costs {self.per_side / _BP:.2f} bp/side = fee {self.fee / _BP:.2f} bp + "
            f"half-spread {self.slippage / _BP:.2f} bp"
        )


DEFAULT_COSTS: dict[AssetClass, TradingCosts] = {
    "fx": TradingCosts(fee=0.3 * _BP, slippage=0.5 * _BP),
    "crypto": TradingCosts(fee=60 * _BP, slippage=1 * _BP),
}
NO_COSTS = TradingCosts(fee=0.0, slippage=0.0)


def asset_class(symbol: str) -> AssetClass:
    """`fx` when both legs are fiat currencies (EUR-USD, EUR/USD, EURUSD), else `crypto`."""
    cleaned = symbol.upper().replace("/", "-").replace("_", "-")
    legs = cleaned.split("-") if "-" in cleaned else [cleaned[:3], cleaned[3:]]
    is_fx = len(legs) == 2 and all(leg in FIAT_CURRENCIES for leg in legs)
    return "fx" if is_fx else "crypto"


def costs_for(
    symbol: str,
    by_class: dict[AssetClass, TradingCosts] | None = None,
    by_symbol: dict[str, TradingCosts] | None = None,
) -> TradingCosts:
    """The symbol's own entry if there is one, else its asset class's costs."""
    if by_symbol and symbol in by_symbol:
        return by_symbol[symbol]
    return (by_class or DEFAULT_COSTS)[asset_class(symbol)]
