"""Where a secret can live. Each source answers one name or None; none of them logs a value.

Names are lower_snake (`risk_token`); each source maps them to its own convention: env var
`CRPBOT_RISK_TOKEN`, a file `risk_token` in a mounted Secret's folder, or the Secrets Manager
id `crpbot/risk_token` (a JSON secret string may hold several names as keys).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class SecretSource(Protocol):
    """One place secrets are kept."""

    name: str

    def lookup(self, key: str) -> str | None:
        """The secret's value, or None when this source does not hold it."""
        ...


class EnvSource:
    """Environment variables: `CRPBOT_<KEY>` by default."""

    name = "env"

    def __init__(self, prefix: str = "CRPBOT_", environ: Mapping[str, str] | None = None) -> None:
        self._prefix = prefix
        self._environ = environ if environ is not None else os.environ

    def lookup(self, key: str) -> str | None:
        value = self._environ.get(f"{self._prefix}{key.upper()}")
        return value or None


class FileSource:
    """A folder of files, as Kubernetes mounts a Secret: one file per key.

    A trailing newline is dropped because `kubectl create secret --from-file` keeps the one
    editors add, and a token with a newline fails every comparison.
    """

    name = "file"

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def lookup(self, key: str) -> str | None:
        for candidate in (key, key.upper(), key.replace("_", "-")):
            path = self._directory / candidate
            if path.is_file():
                return path.read_text(encoding="utf-8").rstrip("\r\n") or None
        return None


class AwsSecretsManagerSource:
    """AWS Secrets Manager (or any endpoint speaking its API), through boto3.

    The id is `<prefix><key>`; when a secret string is a JSON object the key is also looked
    up inside `<prefix><bundle>`, so one AWS secret can carry all of a bot's values.
    """

    name = "aws-secrets-manager"

    def __init__(
        self,
        prefix: str = "crpbot/",
        bundle: str | None = None,
        client: Any = None,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
        self._client = client
        self._prefix = prefix
        self._bundle = bundle

    def _fetch(self, secret_id: str) -> str | None:
        try:
            response = self._client.get_secret_value(SecretId=secret_id)
        except self._client.exceptions.ResourceNotFoundException:
            return None
        value = response.get("SecretString")
        return value if isinstance(value, str) else None

    def lookup(self, key: str) -> str | None:
        direct = self._fetch(f"{self._prefix}{key}")
        if direct is not None:
            return direct
        if self._bundle is None:
            return None
        bundle = self._fetch(f"{self._prefix}{self._bundle}")
        if bundle is None:
            return None
        try:
            values = json.loads(bundle)
        except json.JSONDecodeError:
            return None
        value = values.get(key) if isinstance(values, dict) else None
        return str(value) if value is not None else None
