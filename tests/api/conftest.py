"""The API served by uvicorn on loopback, wired to the session's moto server and AMC sandbox.

Resources (buckets, tables, secret, user pool) get unique names, so the shared moto server needs no
reset. Users: an administrator, a plain user, and a user of another pool (wrong-pool tokens)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import httpx
import jwt
import pytest
import uvicorn

from amc_sandbox import (
    SANDBOX_ADVERTISER_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_INSTANCE_ID,
    SANDBOX_MARKETPLACE_ID,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SCOPE,
    SandboxServer,
)
from amc_uploader.api import ApiSettings, create_app
from amc_uploader.api.aws import AwsClients
from amc_uploader.api.deps import Backend, build_backend
from amc_uploader.api.runners import LocalJobRunner
from amc_uploader.local.bootstrap import StackNames, bootstrap, ensure_user

REGION = "us-east-1"
PASSWORD = "Pa55word!local-test"  # a throwaway moto user


@dataclass
class ApiEnv:
    url: str
    settings: ApiSettings
    backend: Backend
    aws: AwsClients
    names: StackNames
    sandbox: SandboxServer
    admin_token: str
    admin_access_token: str
    admin_refresh_token: str
    user_token: str
    other_pool_token: str
    expired_token: str
    forged_token: str

    def client(self, token: str | None = "admin") -> httpx.Client:
        headers = {}
        value = {"admin": self.admin_token, "user": self.user_token}.get(token or "", token)
        if value:
            headers["Authorization"] = f"Bearer {value}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in a response body or a log record."""
        return [
            SANDBOX_CLIENT_SECRET,
            SANDBOX_REFRESH_TOKEN,
            self.admin_refresh_token,
            self.admin_access_token,
            PASSWORD,
        ]

    def put_file(self, key: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.aws.s3.put_object(Bucket=self.names.data_bucket, Key=key, Body=data)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login(aws: AwsClients, client_id: str, username: str) -> dict[str, Any]:
    out = aws.cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return dict(out["AuthenticationResult"])


def _moto_private_key() -> dict[str, Any]:
    """moto's (public, test-only) signing key: lets a test mint tokens moto itself would sign."""
    raw = (resources.files("moto.cognitoidp") / "resources" / "jwks-private.json.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


def mint_token(claims: dict[str, Any]) -> str:
    key_data = _moto_private_key()
    jwk = key_data["keys"][0] if "keys" in key_data else key_data
    key = jwt.PyJWK.from_dict(jwk)
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": jwk["kid"]})


@pytest.fixture(scope="session")
def api_env(
    moto_endpoint: str, amc_sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiEnv]:
    suffix = uuid.uuid4().hex[:8]
    names = StackNames(
        data_bucket=f"api-data-{suffix}",
        artifact_bucket=f"api-artifacts-{suffix}",
        settings_table=f"api-settings-{suffix}",
        jobs_table=f"api-jobs-{suffix}",
        triggers_table=f"api-triggers-{suffix}",
        lwa_secret_id=f"api-lwa-{suffix}",
        user_pool_name=f"api-pool-{suffix}",
    )
    aws = AwsClients(REGION, moto_endpoint, "testing", "testing")
    cognito = bootstrap(
        aws,
        names,
        lwa_secret={
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "refresh_token": SANDBOX_REFRESH_TOKEN,
        },
    )
    ensure_user(aws, cognito.user_pool_id, "admin", PASSWORD, groups=(names.admin_group,))
    ensure_user(aws, cognito.user_pool_id, "marketer", PASSWORD)
    other_names = StackNames(user_pool_name=f"api-other-pool-{suffix}", admin_group=names.admin_group)
    from amc_uploader.local.bootstrap import ensure_cognito

    other = ensure_cognito(aws, other_names)
    ensure_user(aws, other.user_pool_id, "admin", PASSWORD, groups=(names.admin_group,))

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = ApiSettings(
        settings_table=names.settings_table,
        jobs_table=names.jobs_table,
        triggers_table=names.triggers_table,
        lwa_secret_id=names.lwa_secret_id,
        data_bucket=names.data_bucket,
        artifact_bucket=names.artifact_bucket,
        cognito_user_pool_id=cognito.user_pool_id,
        cognito_client_id=cognito.client_id,
        cognito_region=REGION,
        admin_group=names.admin_group,
        api_base_url=amc_sandbox.base_url,
        lwa_token_url=amc_sandbox.token_url,
        lwa_consent_url=amc_sandbox.consent_url,
        lwa_scope=SANDBOX_SCOPE,
        redirect_uri=f"{url}/redirect",
        aws_endpoint_url=moto_endpoint,
        local_mode=True,
        max_upload_bytes=64 * 1024,
        amc_max_attempts=2,
        amc_max_retry_seconds=5,
        status_refresh_seconds=0.5,
    )
    backend = build_backend(settings, aws=aws, local_queue_delay=0.3)
    from amc_uploader.api.models import AmcInstance

    backend.settings_repo.put_instance(
        AmcInstance(
            instance_id=SANDBOX_INSTANCE_ID,
            advertiser_id=SANDBOX_ADVERTISER_ID,
            marketplace_id=SANDBOX_MARKETPLACE_ID,
            data_upload_aws_account_id=SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
            tags=["sandbox"],
        )
    )
    from amc_client.s3_contract import apply_bucket_policy

    apply_bucket_policy(aws.s3, names.artifact_bucket, [SANDBOX_DATA_UPLOAD_ACCOUNT_ID])

    app = create_app(settings, backend=backend)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "API did not start"
        time.sleep(0.02)

    admin = _login(aws, cognito.client_id, "admin")
    user = _login(aws, cognito.client_id, "marketer")
    other_admin = _login(aws, other.client_id, "admin")
    now = int(time.time())
    issuer = settings.cognito_issuer
    expired = mint_token(
        {
            "sub": "expired-user",
            "iss": issuer,
            "aud": cognito.client_id,
            "token_use": "id",
            "cognito:groups": [names.admin_group],
            "iat": now - 7200,
            "exp": now - 3600,
        }
    )
    forged = jwt.encode(
        {"sub": "x", "iss": issuer, "aud": cognito.client_id, "token_use": "id", "exp": now + 600},
        "not-the-key-" * 4,
        algorithm="HS256",
    )
    env = ApiEnv(
        url=url,
        settings=settings,
        backend=backend,
        aws=aws,
        names=names,
        sandbox=amc_sandbox,
        admin_token=admin["IdToken"],
        admin_access_token=admin["AccessToken"],
        admin_refresh_token=admin["RefreshToken"],
        user_token=user["IdToken"],
        other_pool_token=other_admin["IdToken"],
        expired_token=expired,
        forged_token=forged,
    )
    try:
        yield env
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert isinstance(backend.runner, LocalJobRunner)
        backend.runner.shutdown()


SAMPLE_CSV = (
    "customer_id,first_name,last_name,email,phone,zip,purchase_time,amount\n"
    "1,Zebulon,Quackenbush,zebulon.q@example.com,(206) 555-0111,98101,2024-05-01T10:00:00Z,19.99\n"
    "2,Philippa,Outerbridge,p.outerbridge@example.org,+1 425 555 0199,98004,2024-05-02 11:30:00,5.50\n"
    "3,Ignatius,Vandermeer,,206.555.0142,97201,2024-05-03T09:15:00Z,100\n"
)
# Clear-text values of SAMPLE_CSV that must never leave the job as text (responses, logs).
SAMPLE_PII = [
    "Zebulon",
    "Quackenbush",
    "zebulon.q@example.com",
    "Philippa",
    "Outerbridge",
    "p.outerbridge@example.org",
    "Ignatius",
    "Vandermeer",
    "555-0111",
    "555 0199",
    "555.0142",
]

SAMPLE_COLUMNS = [
    {"name": "first_name", "piiType": "FIRST_NAME"},
    {"name": "last_name", "piiType": "LAST_NAME"},
    {"name": "email", "piiType": "EMAIL"},
    {"name": "phone", "piiType": "PHONE"},
    {"name": "zip", "piiType": "ZIP"},
    {"name": "purchase_time", "dataType": "TIMESTAMP", "isMainEventTime": True},
    {"name": "amount", "dataType": "DECIMAL"},
]

SAMPLE_DATASET_COLUMNS = [
    {"name": "customer_id", "dataType": "STRING"},
    {"name": "first_name", "piiType": "FIRST_NAME"},
    {"name": "last_name", "piiType": "LAST_NAME"},
    {"name": "email", "piiType": "EMAIL"},
    {"name": "phone", "piiType": "PHONE"},
    {"name": "zip", "piiType": "ZIP"},
    {"name": "purchase_time", "dataType": "TIMESTAMP", "isMainEventTime": True, "nullable": False},
    {"name": "amount", "dataType": "DECIMAL", "columnType": "METRIC"},
]


def unique_dataset_id(prefix: str = "ds") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_dataset(env: ApiEnv, dataset_id: str) -> dict[str, Any]:
    with env.client() as c:
        r = c.post(
            f"/api/instances/{SANDBOX_INSTANCE_ID}/datasets",
            json={
                "datasetId": dataset_id,
                "description": "test",
                "period": "P1D",
                "countryCode": "US",
                "columns": SAMPLE_DATASET_COLUMNS,
            },
        )
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result


def wait_job(
    env: ApiEnv,
    job_id: str,
    *,
    until: tuple[str, ...] = ("SUCCEEDED", "FAILED", "CANCELLED"),
    timeout: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with env.client() as c:
        while True:
            env.backend.jobs.refresh()
            job: dict[str, Any] = c.get(f"/api/jobs/{job_id}").json()
            if job["status"] in until:
                return job
            assert time.monotonic() < deadline, f"job {job_id} stuck in {job['status']}"
            time.sleep(0.2)


def start_sample_job(env: ApiEnv, dataset_id: str, key: str) -> dict[str, Any]:
    env.put_file(key, SAMPLE_CSV)
    with env.client() as c:
        r = c.post(
            "/api/jobs",
            json={
                "sourceKeys": [key],
                "instanceIds": [SANDBOX_INSTANCE_ID],
                "datasetId": dataset_id,
                "countryCode": "US",
                "columns": SAMPLE_COLUMNS,
            },
        )
        assert r.status_code == 202, r.text
        job: dict[str, Any] = r.json()
        return job


def assert_no_secret(text: str, env: ApiEnv, extra: list[str] | None = None) -> None:
    for value in [*env.secrets, *(extra or [])]:
        assert value not in text, "a secret/PII value leaked"
