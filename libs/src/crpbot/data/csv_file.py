"""Read a candle CSV file: the file access, kept apart from the pure table mapping in
`crpbot.candles.table` so the domain never opens files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crpbot.candles.table import candles_from_table
from crpbot.candles.validate import CandleValidationError


def read_candles_csv(path: Path) -> pd.DataFrame:
    """Load a candle CSV; fails only when the file or its header is unusable."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise CandleValidationError(f"candle file not found: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise CandleValidationError(f"{path} is not a readable CSV: {reason}") from None
    return candles_from_table(raw, source=str(path))
