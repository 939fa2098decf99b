"""Kopf handlers; importing this package registers them all.

Run with `kopf run -m crpbot_operator.handlers --all-namespaces` or `python -m crpbot_operator`.
"""

from crpbot_operator.handlers import bots, children, indexes, resync, startup

__all__ = ["bots", "children", "indexes", "resync", "startup"]
