"""Features: pandas-ta indicators (computed with TA-Lib) on candles, strictly causal.

`feature_names` and `FEATURE_SPECS` are importable without loading pandas-ta; import
`compute_features` / `model_features` from their modules when values are needed.
"""

from crpbot.features.catalog import FEATURE_SPECS, FeatureSpec, feature_names

__all__ = ["FEATURE_SPECS", "FeatureSpec", "feature_names"]
