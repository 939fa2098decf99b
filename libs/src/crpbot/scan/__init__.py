"""One scan cycle and the seams it talks through: candles, models, risk guard, spool.

The ports (`ports`) are what the cycle needs; the adapters behind them are wired by the
workers, so the same cycle runs in one process and in the cluster.
"""
