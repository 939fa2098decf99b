import json

import boto3
import pytest

from crpbot.secrets import AwsSecretsManagerSource, EnvSource, SecretStore


@pytest.fixture
def sm_client(aws_env: str):  # type: ignore[no-untyped-def]
    return boto3.client("secretsmanager", endpoint_url=aws_env, region_name="us-east-1")


def test_aws_source_reads_direct_and_bundled_secrets(sm_client) -> None:  # type: ignore[no-untyped-def]
    sm_client.create_secret(Name="crpbot-t1/risk_token", SecretString="tok-123")
    sm_client.create_secret(
        Name="crpbot-t1/bundle", SecretString=json.dumps({"telegram_token": "tg-456"})
    )
    source = AwsSecretsManagerSource(prefix="crpbot-t1/", bundle="bundle", client=sm_client)
    assert source.lookup("risk_token") == "tok-123"
    assert source.lookup("telegram_token") == "tg-456"
    assert source.lookup("absent") is None


def test_secret_store_env_overrides_aws_and_rotation_shows_after_ttl(sm_client) -> None:  # type: ignore[no-untyped-def]
    sm_client.create_secret(Name="crpbot-t2/db_password", SecretString="v1")
    now = [0.0]
    store = SecretStore(
        [
            EnvSource(environ={}),
            AwsSecretsManagerSource(prefix="crpbot-t2/", client=sm_client),
        ],
        ttl_s=60,
        clock=lambda: now[0],
    )
    assert store.require("db_password").get_secret_value() == "v1"
    sm_client.put_secret_value(SecretId="crpbot-t2/db_password", SecretString="v2")
    now[0] = 30.0
    assert store.require("db_password").get_secret_value() == "v1"
    now[0] = 61.0
    assert store.require("db_password").get_secret_value() == "v2"
    override = SecretStore(
        [
            EnvSource(environ={"CRPBOT_DB_PASSWORD": "env"}),
            AwsSecretsManagerSource(prefix="crpbot-t2/", client=sm_client),
        ]
    )
    assert override.require("db_password").get_secret_value() == "env"
