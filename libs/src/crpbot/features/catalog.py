"""The feature catalog: every column `compute_features` returns, in its stable order.

This module is plain data on purpose. Listing features (the CLI, docs, model input shapes) must
not pay for importing pandas-ta, which pulls in numba and takes seconds. A test checks that the
computed columns and this catalog agree name for name, so the two cannot drift apart.

Names are pandas-ta's own column names; the few features pandas-ta has no indicator for
(realised volatility) get names in the same style.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["trend", "momentum", "volatility", "volume", "returns"]
FAMILIES: tuple[Family, ...] = ("trend", "momentum", "volatility", "volume", "returns")

Scale = Literal["price", "price_diff", "cumulative_volume", "unitless"]
"""How a feature's value depends on the series' absolute level, so models can rescale it:
`price` is in price units (a moving average), `price_diff` is a price distance (ATR, MACD),
`cumulative_volume` is a running volume total whose level depends on where the series starts
(OBV), `unitless` is already scale-free (RSI, returns)."""


@dataclass(frozen=True)
class FeatureSpec:
    """One feature column: what it measures and how it scales."""

    name: str
    family: Family
    description: str
    scale: Scale


def _spec(name: str, family: Family, scale: Scale, description: str) -> FeatureSpec:
    return FeatureSpec(name=name, family=family, description=description, scale=scale)


_TREND = (
    *(
        _spec(f"SMA_{n}", "trend", "price", f"Simple moving average of close over {n} bars")
        for n in (10, 20, 50, 200)
    ),
    *(
        _spec(f"EMA_{n}", "trend", "price", f"Exponential moving average of close, span {n}")
        for n in (12, 26, 50, 200)
    ),
    _spec("MACD_12_26_9", "trend", "price_diff", "MACD line: EMA 12 minus EMA 26 of close"),
    _spec("MACDh_12_26_9", "trend", "price_diff", "MACD histogram: MACD line minus signal"),
    _spec("MACDs_12_26_9", "trend", "price_diff", "MACD signal: EMA 9 of the MACD line"),
    _spec("ADX_14", "trend", "unitless", "Average directional index (Wilder), trend strength"),
    _spec("ADXR_14_2", "trend", "unitless", "ADX rating: mean of ADX now and 2 bars ago"),
    _spec("DMP_14", "trend", "unitless", "Plus directional indicator +DI (Wilder, 0-100)"),
    _spec("DMN_14", "trend", "unitless", "Minus directional indicator -DI (Wilder, 0-100)"),
)

_MOMENTUM = (
    _spec("RSI_14", "momentum", "unitless", "Relative strength index (Wilder), 0-100"),
    _spec("STOCHk_14_3_3", "momentum", "unitless", "Slow stochastic %K (14, smoothed 3)"),
    _spec("STOCHd_14_3_3", "momentum", "unitless", "Slow stochastic %D: SMA 3 of %K"),
    _spec("STOCHh_14_3_3", "momentum", "unitless", "Stochastic histogram: %K minus %D"),
    _spec("CCI_14_0.015", "momentum", "unitless", "Commodity channel index (Lambert, c=0.015)"),
    _spec("ROC_10", "momentum", "unitless", "Rate of change of close over 10 bars, percent"),
    _spec("WILLR_14", "momentum", "unitless", "Williams %R over 14 bars, -100..0"),
)

_VOLATILITY = (
    _spec("ATRr_14", "volatility", "price_diff", "Average true range (Wilder RMA, 14 bars)"),
    _spec("NATR_14", "volatility", "unitless", "Normalised ATR: ATR 14 as percent of close"),
    _spec("BBL_20_2.0_2.0", "volatility", "price", "Bollinger lower band (SMA 20 - 2 sd)"),
    _spec("BBM_20_2.0_2.0", "volatility", "price", "Bollinger middle band (SMA 20)"),
    _spec("BBU_20_2.0_2.0", "volatility", "price", "Bollinger upper band (SMA 20 + 2 sd)"),
    _spec("BBB_20_2.0_2.0", "volatility", "unitless", "Bollinger bandwidth, percent of middle"),
    _spec("BBP_20_2.0_2.0", "volatility", "unitless", "Bollinger %B: close within the bands"),
    _spec("KCLe_20_2", "volatility", "price", "Keltner lower channel (EMA 20 - 2 x range)"),
    _spec("KCBe_20_2", "volatility", "price", "Keltner basis (EMA 20 of close)"),
    _spec("KCUe_20_2", "volatility", "price", "Keltner upper channel (EMA 20 + 2 x range)"),
    _spec("DCL_20_20", "volatility", "price", "Donchian lower channel: lowest low of 20 bars"),
    _spec("DCM_20_20", "volatility", "price", "Donchian middle: midpoint of the channel"),
    _spec("DCU_20_20", "volatility", "price", "Donchian upper channel: highest high, 20 bars"),
    *(
        _spec(
            f"RVOL_{n}",
            "volatility",
            "unitless",
            f"Realised volatility: sample sd of 1-bar log returns over {n} bars",
        )
        for n in (20, 50)
    ),
)

_VOLUME = (
    _spec("OBV", "volume", "cumulative_volume", "On-balance volume, running from the first bar"),
    _spec("MFI_14", "volume", "unitless", "Money flow index over 14 bars, 0-100"),
    _spec("CMF_20", "volume", "unitless", "Chaikin money flow over 20 bars, -1..1"),
    _spec("VWAP_D", "volume", "price", "Volume-weighted average price, reset each UTC day"),
)

_RETURNS = tuple(
    _spec(f"LOGRET_{n}", "returns", "unitless", f"Log return of close over {n} bar(s)")
    for n in (1, 5, 20)
)

FEATURE_SPECS: tuple[FeatureSpec, ...] = (*_TREND, *_MOMENTUM, *_VOLATILITY, *_VOLUME, *_RETURNS)


def feature_names() -> list[str]:
    """Column names in the order `compute_features` returns them."""
    return [spec.name for spec in FEATURE_SPECS]
