"""Signal sources that produce the backtest engine's signal table."""
