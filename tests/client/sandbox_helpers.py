"""Helpers for the tests that run the client against the real sandbox over HTTP (moto for S3)."""

from __future__ import annotations

import gzip
import hashlib
import uuid
from typing import Any

from amc_client import AmcClient, AmcSettings, RetryPolicy
from amc_sandbox import SANDBOX_DATA_UPLOAD_ACCOUNT_ID, SandboxServer
from tests.fixtures.aws import aws_client
from tests.sandbox.helpers import amc_policy

# Clear-text PII used in the lifecycle; only their hashes are uploaded. The log test checks neither
# appears anywhere.
EMAILS = ["jane.doe@example.com", "john.roe@example.org", "ana.lima@example.net"]


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def sandbox_settings(sandbox: SandboxServer, **overrides: Any) -> AmcSettings:
    values: dict[str, Any] = {k.removeprefix("AMC_").lower(): v for k, v in sandbox.env().items()}
    values.update(overrides)
    return AmcSettings(**values)


class Sleeps(list[float]):
    """Records retry delays and sleeps a tiny fraction of them, so tests stay fast but stay real HTTP."""

    def __call__(self, seconds: float) -> None:
        import time

        self.append(seconds)
        time.sleep(min(seconds, 0.01))


def sandbox_client(
    sandbox: SandboxServer,
    *,
    sleeps: Sleeps | None = None,
    settings: AmcSettings | None = None,
    **policy: Any,
) -> AmcClient:
    retry = RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps(), **policy)
    return AmcClient(settings or sandbox_settings(sandbox), retry=retry)


def make_bucket(
    moto_endpoint: str, bucket: str, accounts: tuple[str, ...] = (SANDBOX_DATA_UPLOAD_ACCOUNT_ID,)
) -> Any:
    s3 = aws_client("s3", moto_endpoint)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=amc_policy(bucket, *accounts))
    return s3


def stage_csv(s3: Any, bucket: str, prefix: str, lines: list[str], instance_id: str | None) -> str:
    """One gzip CSV part + manifest (both tagged with instanceId unless None); returns the manifest key."""
    data_key = f"{prefix}/part-00000.csv.gz"
    tagging = f"instanceId={instance_id}" if instance_id else ""
    s3.put_object(
        Bucket=bucket, Key=data_key, Body=gzip.compress("\n".join(lines).encode() + b"\n"), Tagging=tagging
    )
    manifest_key = f"{prefix}/manifest.txt"
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=f"s3://{bucket}/{data_key}".encode(), Tagging=tagging)
    return manifest_key


def purchase_rows(bad_rows: int = 0) -> list[str]:
    lines = ["email,first_name,ts,product,quantity"]
    for i, email in enumerate(EMAILS):
        lines.append(f"{sha(email)},{sha('jane')},2026-01-0{i + 1}T10:00:00Z,widget,{i + 1}")
    for _ in range(bad_rows):
        lines.append(f"{EMAILS[0]},,2026-01-01T10:00:00Z,widget,1")  # clear-text e-mail: AMC drops the row
    return lines


PURCHASE_COLUMNS: list[dict[str, Any]] = [
    {"name": "email", "pii_type": "EMAIL"},
    {"name": "first_name", "pii_type": "FIRST_NAME"},
    {"name": "ts", "data_type": "TIMESTAMP", "main_event_time": True},
    {"name": "product"},
    {"name": "quantity", "data_type": "LONG", "column_type": "METRIC"},
]


def admin_inject(sandbox: SandboxServer, *rules: dict[str, Any]) -> None:
    """Fault rules through the sandbox's admin HTTP endpoint (POST /sandbox/faults)."""
    import httpx

    response = httpx.post(f"{sandbox.base_url}/sandbox/faults", json=list(rules))
    response.raise_for_status()


def admin_requests(sandbox: SandboxServer, method: str, path_suffix: str) -> list[dict[str, Any]]:
    """The request log through GET /sandbox/requests, filtered by method and path ending."""
    import httpx

    entries = httpx.get(f"{sandbox.base_url}/sandbox/requests").json()["requests"]
    return [e for e in entries if e["method"] == method and e["path"].endswith(path_suffix)]
