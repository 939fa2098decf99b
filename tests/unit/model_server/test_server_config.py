"""The committed TorchServe settings (model-server/config.properties) the image starts with."""

from __future__ import annotations

from tests.fixtures.torchserve import CONFIG


def _properties() -> dict[str, str]:
    lines = CONFIG.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def test_server_config_binds_management_to_loopback_only() -> None:
    """Only the pod itself may register or remove models; inference and metrics are served."""
    properties = _properties()
    assert properties["management_address"].startswith("http://127.0.0.1:")
    assert properties["inference_address"].startswith("http://0.0.0.0:")
    assert properties["metrics_address"].startswith("http://0.0.0.0:")
