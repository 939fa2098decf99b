"""Market data: candle sources (Coinbase, bundled CSVs), validation and the local candle store."""
