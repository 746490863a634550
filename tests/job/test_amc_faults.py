"""Fault table (issue 12): every AMC call of a job x every way an answer goes wrong, over real HTTP.

A delivery is what a user does with one job: make sure the dataset exists (get, create when missing),
`run_job` (token, upload list, create upload) and wait for the upload (get upload). Each case injects one
fault on one call, in two modes:
- once: the first such request of the first run fails; retries may recover, else the run fails with an
  `AmcError` and a re-run of the same job id succeeds.
- always: the call fails for the whole first run, which must end with an `AmcError` (retries run out);
  the re-run of the same job id meets the fault once more, and a last re-run has none.
Every case ends with exactly one upload of the job's manifest in AMC, and SUCCESS. An exception that is
not an `AmcError` (a pydantic or JSON traceback) fails the case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amc_client import (
    AmcClient,
    AmcError,
    AmcNotFoundError,
    AmcSettings,
    InstanceClient,
    RetryPolicy,
    build_dataset,
)
from amc_client.s3_contract import apply_bucket_policy
from amc_sandbox import SANDBOX_DATA_UPLOAD_ACCOUNT_ID, SANDBOX_INSTANCE_ID, SandboxServer
from amc_uploader.cli import app
from amc_uploader.job import JobConfig, run_job
from amc_uploader.job.record import JobRecord
from tests.client.sandbox_helpers import Sleeps
from tests.job.helpers import write_csv

pytestmark = pytest.mark.timeout(120)

COLUMNS: list[dict[str, Any]] = [
    {"name": "email", "pii_type": "EMAIL"},
    {"name": "ts", "data_type": "TIMESTAMP", "main_event_time": True},
    {"name": "amount", "data_type": "DECIMAL", "column_type": "METRIC"},
]
ROWS = [
    {"email": f"person{i}@example.com", "ts": f"2026-01-0{i + 1}T10:00:00Z", "amount": str(i)}
    for i in range(3)
]
RETRY_AFTER = 1

# (method, path pattern) of each AMC call; `{ds}` is the case's dataset id.
CALLS: dict[str, tuple[str, str]] = {
    "token": ("POST", r"/auth/o2/token$"),
    "dataset-get": ("GET", r"/dataSets/{ds}$"),
    "dataset-create": ("POST", r"/dataSets$"),
    "uploads-list": ("POST", r"/uploads/list$"),
    "upload-create": ("POST", r"/uploads/{ds}$"),
    "upload-get": ("GET", r"/uploads/{ds}/[^/]+$"),
}
FAULTS: dict[str, dict[str, Any]] = {
    "429-retry-after": {"status": 429, "retry_after": RETRY_AFTER},
    "500": {"status": 500},
    "504": {"status": 504},
    "empty-200": {"status": 200, "empty_body": True},
    "html-200": {"status": 200, "body_text": "<html><body><h1>Bad gateway</h1></body></html>"},
    "disconnect-before": {"disconnect": "before"},
    "disconnect-after": {"disconnect": "after"},
}


@dataclass
class Delivery:
    sandbox: SandboxServer
    settings: AmcSettings
    config: JobConfig
    dataset_id: str
    wait_timeout: float = 30.0
    sleeps: Sleeps = field(default_factory=Sleeps)
    errors: list[AmcError] = field(default_factory=list)

    def client(self) -> AmcClient:
        # A new process each run: its own token cache and connections.
        retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, sleep=self.sleeps)
        return AmcClient(self.settings, retry=retry)

    def attempt(self) -> str | None:
        """One delivery; the upload id, or None after an `AmcError` (recorded). Anything else raises."""
        with self.client() as client:
            instance = client.for_instance()
            try:
                self._ensure_dataset(instance)
                result = run_job(self.config, amc=client)
                upload_id = result.upload_ids[SANDBOX_INSTANCE_ID]
                upload = instance.wait_for_upload(
                    self.dataset_id, upload_id, timeout=self.wait_timeout, poll=0.02
                )
            except AmcError as exc:
                self.errors.append(exc)
                return None
            assert upload.succeeded, upload.message
            return upload_id

    def _ensure_dataset(self, instance: InstanceClient) -> None:
        try:
            instance.get_dataset(self.dataset_id)
        except AmcNotFoundError:
            instance.create_dataset(build_dataset(self.dataset_id, COLUMNS, country_code="US"))

    def uploads(self) -> list[Any]:
        with self.client() as client:
            return client.for_instance().list_uploads(self.dataset_id)


@pytest.fixture
def delivery(
    amc_sandbox_clean: SandboxServer, aws_env: dict[str, str], s3: Any, tmp_path: Path
) -> Iterator[Delivery]:
    amc_sandbox_clean.processor.delay = 0
    bucket = f"amc-faults-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    apply_bucket_policy(s3, bucket, [SANDBOX_DATA_UPLOAD_ACCOUNT_ID])
    dataset_id = f"faults_{uuid.uuid4().hex[:8]}"
    src = write_csv(tmp_path / "customers.csv", ROWS)
    config = JobConfig.from_mapping(
        {
            "job_id": f"faults-{uuid.uuid4().hex[:8]}",
            "inputs": [str(src)],
            "dataset_id": dataset_id,
            "country_code": "US",
            "pii": {"email": "EMAIL"},
            "event_time": "ts",
            "instances": [SANDBOX_INSTANCE_ID],
            "output": f"s3://{bucket}/stage",
        }
    )
    settings = AmcSettings(**{k.removeprefix("AMC_").lower(): v for k, v in amc_sandbox_clean.env().items()})
    yield Delivery(amc_sandbox_clean, settings, config, dataset_id)


def _inject(delivery: Delivery, call: str, fault: str, *, count: int | None) -> None:
    method, pattern = CALLS[call]
    rule = {"method": method, "path_regex": pattern.format(ds=delivery.dataset_id), **FAULTS[fault]}
    if count is not None:
        rule["count"] = count
    delivery.sandbox.inject(**rule)


def _fired(delivery: Delivery) -> int:
    return sum(int(rule["fired"]) for rule in delivery.sandbox.faults())


@pytest.mark.parametrize("mode", ["once", "always"])
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("call", list(CALLS))
def test_fault_table(delivery: Delivery, call: str, fault: str, mode: str) -> None:
    sandbox = delivery.sandbox
    _inject(delivery, call, fault, count=1 if mode == "once" else None)
    if mode == "always" and call == "upload-get":
        delivery.wait_timeout = 0.6  # the wait gives up only when its time is up
    upload_id = delivery.attempt()
    delivery.wait_timeout = 30.0
    assert _fired(delivery) >= 1, "the fault never fired: the table does not test this call"
    if mode == "always":
        # A create whose answer is always lost still creates: the re-listed upload is adopted.
        adopted = call == "upload-create" and fault == "disconnect-after"
        assert (upload_id is not None) == adopted, delivery.errors
        sandbox.clear_faults()
        _inject(delivery, call, fault, count=1)
        upload_id = delivery.attempt()
    sandbox.clear_faults()
    if upload_id is None:
        upload_id = delivery.attempt()
    assert upload_id is not None, delivery.errors

    for error in delivery.errors:
        message = str(error)
        assert message and "\n" not in message
        assert "Traceback" not in message and "validation error" not in message
        assert "Bad gateway" not in message and "@example.com" not in message
    uploads = delivery.uploads()
    assert [u.upload_id for u in uploads] == [upload_id], "one upload per manifest"
    if fault == "429-retry-after" and mode == "once":
        assert float(RETRY_AFTER) in delivery.sleeps


def _forget_upload_id(delivery: Delivery, s3: Any) -> None:
    """A crash between "create upload" and "record its id": the job record has no upload id."""
    bucket = delivery.config.output.removeprefix("s3://").split("/")[0]  # type: ignore[union-attr]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].endswith("/job.json")]
    assert len(keys) == 1
    record = JobRecord.model_validate_json(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())
    assert record.upload_id
    forgotten = record.model_copy(update={"upload_id": None})
    s3.put_object(Bucket=bucket, Key=keys[0], Body=forgotten.to_json_bytes())


@pytest.mark.parametrize("fault", list(FAULTS))
def test_rerun_after_a_crash_never_uploads_twice_when_the_list_fails(
    delivery: Delivery, s3: Any, fault: str
) -> None:
    first = delivery.attempt()
    assert first is not None
    _forget_upload_id(delivery, s3)
    _inject(delivery, "uploads-list", fault, count=None)
    assert delivery.attempt() is None, "a re-run that cannot read the upload list must not upload"
    delivery.sandbox.clear_faults()
    assert [u.upload_id for u in delivery.uploads()] == [first]
    assert delivery.attempt() == first  # the re-run adopts the upload of its manifest
    assert [u.upload_id for u in delivery.uploads()] == [first]


def _cli_env(delivery: Delivery) -> dict[str, str]:
    fast = {"AMC_MAX_ATTEMPTS": "2", "AMC_RETRY_BASE_DELAY": "0.01", "AMC_RETRY_MAX_DELAY": "0.02"}
    return {**delivery.sandbox.env(), **fast}


def _run_args(delivery: Delivery) -> list[str]:
    config = delivery.config
    args = ["run", "--input", *config.inputs, "--country", "US", "--pii", "email=EMAIL", "--event-time", "ts"]
    args += ["--dataset-id", delivery.dataset_id, "--instance", SANDBOX_INSTANCE_ID]
    return [*args, "--output", str(config.output), "--job-id", str(config.job_id), "--json"]


@pytest.mark.parametrize(("call", "fault"), [("uploads-list", "empty-200"), ("upload-create", "html-200")])
def test_cli_run_exits_with_one_clear_line_when_retries_run_out(
    delivery: Delivery, call: str, fault: str
) -> None:
    with delivery.client() as client:
        delivery._ensure_dataset(client.for_instance())
    _inject(delivery, call, fault, count=None)
    runner = CliRunner()
    failed = runner.invoke(app, _run_args(delivery), env=_cli_env(delivery))
    assert failed.exit_code == 1, failed.output
    assert failed.exception is None or isinstance(failed.exception, SystemExit)
    text = " ".join(failed.stderr.split())
    assert text.startswith("error: HTTP 200 InvalidResponse") and "Traceback" not in failed.output
    assert "Bad gateway" not in failed.output and "@example.com" not in failed.output
    delivery.sandbox.clear_faults()
    again = runner.invoke(app, _run_args(delivery), env=_cli_env(delivery))
    assert again.exit_code == 0, again.output
    assert len(delivery.uploads()) == 1


@pytest.mark.parametrize("fault", ["500", "empty-200", "html-200", "disconnect-before"])
def test_cli_uploads_wait_polls_again_instead_of_aborting(delivery: Delivery, fault: str) -> None:
    upload_id = delivery.attempt()
    assert upload_id is not None
    _inject(delivery, "upload-get", fault, count=3)  # more than one poll's attempts (AMC_MAX_ATTEMPTS=2)
    args = ["amc", "uploads", "wait", delivery.dataset_id, upload_id, "--poll", "0.05", "--timeout", "20"]
    result = CliRunner().invoke(app, args, env=_cli_env(delivery))
    assert result.exit_code == 0, result.output
    assert _fired(delivery) == 3
    assert upload_id in result.stdout
