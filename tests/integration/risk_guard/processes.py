"""A `crpbot risk-guard serve` child process, as the cluster runs it."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass

TOKEN = "integration-token-5f1c2a"


@dataclass
class GuardProcess:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, like a node dying mid-cycle."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
