"""crpbot: crypto trading-signal system (domain logic and adapters)."""

__version__ = "0.1.0"
