"""The catalog: unique names, known families, and cheap to import."""

from __future__ import annotations

from crpbot.features import FEATURE_SPECS, feature_names
from crpbot.features.catalog import FAMILIES

REQUIRED_PREFIXES = (
    "EMA_", "SMA_", "RSI_", "MACD_", "MACDs_", "MACDh_", "STOCHk_", "STOCHd_", "ADX_", "DMP_",
    "DMN_", "ATRr_", "BBL_", "BBM_", "BBU_", "BBB_", "BBP_", "OBV", "MFI_", "CCI_", "ROC_",
    "WILLR_", "KCLe_", "KCUe_", "DCL_", "DCU_", "VWAP_", "LOGRET_", "RVOL_",
)  # fmt: skip


def test_feature_names_are_unique_and_in_catalog_order() -> None:
    names = feature_names()
    assert len(names) == len(set(names))
    assert names == [spec.name for spec in FEATURE_SPECS]


def test_feature_specs_cover_every_family_with_descriptions() -> None:
    assert {spec.family for spec in FEATURE_SPECS} == set(FAMILIES)
    assert all(spec.description.strip() for spec in FEATURE_SPECS)


def test_feature_names_include_the_issue_indicators() -> None:
    names = feature_names()
    missing = [p for p in REQUIRED_PREFIXES if not any(n.startswith(p) for n in names)]
    assert missing == []
    assert len(names) == 44
