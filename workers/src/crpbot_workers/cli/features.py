"""`crpbot features`: list the feature catalog, compute features for a candle file.

`list` reads only the catalog, so it answers instantly; `compute` loads pandas-ta (a few
seconds the first time, for numba) and shows a spinner meanwhile, on stderr so `--json`
stdout stays parseable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from crpbot.features import FEATURE_SPECS
from crpbot_workers.cli.common import JsonOpt, console, err_console, fail, print_json

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(help="Indicator features (pandas-ta with TA-Lib), strictly causal.")

_BUNDLED = "bundled:"


@app.command("list")
def list_features(as_json: JsonOpt = False) -> None:
    """Every feature column in output order: name, family and what it measures."""
    if as_json:
        print_json(
            [
                {"name": s.name, "family": s.family, "scale": s.scale, "description": s.description}
                for s in FEATURE_SPECS
            ]
        )
        return
    table = Table(title=f"{len(FEATURE_SPECS)} features")
    for header in ("name", "family", "description"):
        table.add_column(header)
    for spec in FEATURE_SPECS:
        table.add_row(spec.name, spec.family, spec.description)
    console.print(table)


def _read_candles(source: str) -> pd.DataFrame:
    """A candle CSV or Parquet file, or `bundled:NAME`; raises on unusable input."""
    import pandas as pd

    from crpbot.candles.validate import CandleValidationError
    from crpbot.data.bundled import load_bundled
    from crpbot.data.csv_file import read_candles_csv

    path = Path(source)
    if source.lower().startswith(_BUNDLED):
        frame: pd.DataFrame = load_bundled(source[len(_BUNDLED) :])
    elif path.suffix.lower() == ".parquet":
        if not path.is_file():
            raise CandleValidationError(f"candle file not found: {path}")
        frame = pd.read_parquet(path)
    else:
        frame = read_candles_csv(path)
    return frame


@app.command("compute")
def compute(
    input_source: Annotated[
        str,
        typer.Option(
            "--input",
            help="Candles: CSV (ts,open,high,low,close,volume or backtesting-style "
            "Open,High,Low,Close,Volume with an unnamed time index), Parquet, or bundled:EURUSD.",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", help="Parquet file to write the features to.")
    ],
    scale_free: Annotated[
        bool,
        typer.Option(
            "--scale-free", help="Write model inputs: level-dependent columns relative to close."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Compute every feature for the candles and write them, one row per input bar."""
    from crpbot.candles.validate import CandleValidationError, validate_candles

    try:
        candles = _read_candles(input_source)
        validate_candles(candles, source=input_source)
        with err_console.status("computing features"):
            features = _compute(candles, scale_free)
        output.parent.mkdir(parents=True, exist_ok=True)
        features.to_parquet(output)
    except (CandleValidationError, ValueError, OSError) as exc:
        fail(" ".join(str(exc).split()))
    complete = features.dropna()
    payload = {
        "input": input_source,
        "output": str(output),
        "rows": len(features),
        "columns": len(features.columns),
        "first": features.index[0].isoformat() if len(features) else None,
        "last": features.index[-1].isoformat() if len(features) else None,
        "complete_rows": len(complete),
        "scale_free": scale_free,
    }
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{payload['rows']} rows x {payload['columns']} features → {output} "
        f"({payload['complete_rows']} rows past warm-up)",
        highlight=False,
    )


def _compute(candles: pd.DataFrame, scale_free: bool) -> pd.DataFrame:
    """Import on use: pandas-ta takes seconds to load and `list` must not wait for it."""
    if scale_free:
        from crpbot.features.scale_free import model_features

        scaled: pd.DataFrame = model_features(candles)
        return scaled
    from crpbot.features.compute import compute_features

    features: pd.DataFrame = compute_features(candles)
    return features
