"""Secrets from env vars, mounted Kubernetes Secrets and AWS Secrets Manager; never shown."""

from crpbot.secrets.sources import (
    AwsSecretsManagerSource,
    EnvSource,
    FileSource,
    SecretSource,
)
from crpbot.secrets.store import MissingSecretError, SecretStore

__all__ = [
    "AwsSecretsManagerSource",
    "EnvSource",
    "FileSource",
    "MissingSecretError",
    "SecretSource",
    "SecretStore",
]
