"""The offline demo: the whole pipeline that exists so far, on bundled real data."""

from crpbot_workers.demo.run import DemoSummary, run_demo

__all__ = ["DemoSummary", "run_demo"]
