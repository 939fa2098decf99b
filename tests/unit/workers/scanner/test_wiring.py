"""scan_config: the settings a scanner process honours reach its ScanConfig."""

from __future__ import annotations

import pytest

from crpbot.config import Settings
from crpbot_workers.scanner.wiring import scan_config


@pytest.mark.parametrize("enabled", [True, False])
def test_scan_config_follows_notify_outage_alerts(enabled: bool) -> None:
    settings = Settings(notify={"outage_alerts": enabled})

    assert scan_config(settings).outage_alerts is enabled
