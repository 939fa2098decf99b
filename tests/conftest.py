"""Fixtures every test folder can use; server fixtures live in tests/fixtures/."""

pytest_plugins = ["tests.fixtures.moto_server"]
