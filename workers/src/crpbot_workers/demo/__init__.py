"""The offline demo: the whole pipeline on bundled real data, with a simulated clock."""

from crpbot_workers.demo.config import DemoConfig
from crpbot_workers.demo.run import STAGE_NAMES, DemoSummary, run_demo

__all__ = ["STAGE_NAMES", "DemoConfig", "DemoSummary", "run_demo"]
