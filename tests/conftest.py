"""Fixtures every test folder can use; server fixtures live in tests/fixtures/.

- `telemetry`: a Prometheus-backed Telemetry of its own (tests/fixtures/telemetry.py).
- `telegram_api`: the Bot API stand-in on loopback (integration tests only).
- `model_dir`, `scan_env`, `scan_settings`: a tiny scanner artifact and the settings to scan.
- `moto_endpoint`, `aws_env`: a moto server for the S3 / Secrets Manager tests.
"""

pytest_plugins = [
    "tests.fixtures.moto_server",
    "tests.fixtures.scan_env",
    "tests.fixtures.telegram_api",
    "tests.fixtures.telemetry",
]
