"""Candles as data: the bar convention, granularities, parsing and validation (no I/O)."""
