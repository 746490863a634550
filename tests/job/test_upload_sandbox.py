"""End to end against the AMC sandbox over HTTP with S3 on moto: stage, create the upload, reach SUCCESS;
re-runs never create a second upload; the CLI does the same from flags."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amc_client import AmcClient, build_dataset
from amc_client.s3_contract import apply_bucket_policy
from amc_sandbox import SANDBOX_DATA_UPLOAD_ACCOUNT_ID, SANDBOX_INSTANCE_ID, SandboxServer
from amc_uploader.cli import app
from amc_uploader.job import JobConfig, run_job
from amc_uploader.job.record import JobRecord
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.job.helpers import write_csv

pytestmark = pytest.mark.timeout(180)

COLUMNS: list[dict[str, Any]] = [
    {"name": "customer_id"},
    *({"name": c, "pii_type": t} for c, t in PII_SPEC.items()),
    {"name": "purchase_ts", "data_type": "TIMESTAMP", "main_event_time": True},
    {"name": "amount", "data_type": "DECIMAL", "column_type": "METRIC"},
]


def _setup(s3: Any, client: AmcClient) -> tuple[str, str]:
    bucket = f"amc-e2e-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    apply_bucket_policy(s3, bucket, [SANDBOX_DATA_UPLOAD_ACCOUNT_ID])
    dataset_id = f"customers_{uuid.uuid4().hex[:8]}"
    client.for_instance().create_dataset(
        build_dataset(dataset_id, COLUMNS, description="e2e", country_code="US")
    )
    return bucket, dataset_id


def _upload_posts(sandbox: SandboxServer, dataset_id: str) -> int:
    return len(
        [
            r
            for r in sandbox.requests(method="POST", path_contains=f"/uploads/{dataset_id}")
            if r["status"] < 300
        ]
    )


def test_stage_upload_success_and_no_duplicates(
    amc_sandbox_env: dict[str, str],
    amc_sandbox_clean: SandboxServer,
    aws_env: dict[str, str],
    s3: Any,
    tmp_path: Path,
) -> None:
    client = AmcClient.from_env()
    bucket, dataset_id = _setup(s3, client)
    src = write_csv(tmp_path / "customers.csv", list(synthetic_rows(2000, seed=5)))
    config = JobConfig.from_mapping(
        {
            "job_id": "e2e-job-1",
            "inputs": [str(src)],
            "dataset_id": dataset_id,
            "country_code": "US",
            "pii": PII_SPEC,
            "event_time": "purchase_ts",
            "instances": [SANDBOX_INSTANCE_ID],
            "output": f"s3://{bucket}/stage",
            "partition_cap_bytes": 50_000,
        }
    )
    result = run_job(config, amc=client)
    item = result.instances[0]
    assert item.upload_created and item.upload_id
    record = item.record
    assert record is not None and len(record.partitions) > 1
    stored = JobRecord.model_validate_json(
        s3.get_object(Bucket=bucket, Key=record.manifest_key.replace("manifest.txt", "job.json"))[
            "Body"
        ].read()
    )
    assert stored.upload_id == item.upload_id

    upload = client.for_instance().wait_for_upload(dataset_id, item.upload_id, timeout=60, poll=0.2)
    assert upload.succeeded, upload.message
    assert _upload_posts(amc_sandbox_clean, dataset_id) == 1

    again = run_job(config, amc=client)
    assert again.instances[0].upload_id == item.upload_id and not again.instances[0].upload_created
    assert again.instances[0].reused_staging

    # A crash between "create upload" and "record its id": the job finds the upload by its manifest.
    job_key = record.manifest_key.replace("manifest.txt", "job.json")
    s3.put_object(
        Bucket=bucket, Key=job_key, Body=stored.model_copy(update={"upload_id": None}).to_json_bytes()
    )
    recovered = run_job(config, amc=client)
    assert recovered.instances[0].upload_id == item.upload_id
    assert _upload_posts(amc_sandbox_clean, dataset_id) == 1
    assert len(client.for_instance().list_uploads(dataset_id)) == 1


def test_cli_run_uploads_from_flags(
    amc_sandbox_env: dict[str, str],
    amc_sandbox_clean: SandboxServer,
    aws_env: dict[str, str],
    s3: Any,
    tmp_path: Path,
) -> None:
    client = AmcClient.from_env()
    bucket, dataset_id = _setup(s3, client)
    src = write_csv(tmp_path / "customers.csv", list(synthetic_rows(300, seed=9)))
    report = tmp_path / "report.json"
    args = ["run", "--input", str(src), "--country", "US", "--event-time", "purchase_ts"]
    for column, pii_type in PII_SPEC.items():
        args += ["--pii", f"{column}={pii_type}"]
    args += ["--dataset-id", dataset_id, "--instance", SANDBOX_INSTANCE_ID, "--output", f"s3://{bucket}/cli"]
    args += ["--report", str(report), "--json"]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    upload_id = result["instances"][0]["upload_id"]
    assert upload_id
    assert json.loads(report.read_text())["rows_out"] == 300
    upload = client.for_instance().wait_for_upload(dataset_id, upload_id, timeout=60, poll=0.2)
    assert upload.succeeded, upload.message
    assert "@" not in outcome.output


def listed_upload(upload_id: str, status: str, *, dataset_id: str, bucket: str, manifest_key: str) -> str:
    """An AMC upload-list page holding one upload of this manifest (served once by the sandbox)."""
    source = {"sourceS3Bucket": bucket, "sourceManifestS3Key": manifest_key}
    upload = {"uploadId": upload_id, "dataSetId": dataset_id, "status": status, "dataSource": source}
    return json.dumps({"uploads": [upload]})


@pytest.mark.parametrize(("status", "adopted"), [("FAILED", False), ("IN_PROGRESS", True)])
def test_rerun_adopts_an_upload_of_its_manifest_unless_it_failed(
    status: str,
    adopted: bool,
    amc_sandbox_env: dict[str, str],
    amc_sandbox_clean: SandboxServer,
    aws_env: dict[str, str],
    s3: Any,
    tmp_path: Path,
) -> None:
    client = AmcClient.from_env()
    bucket, dataset_id = _setup(s3, client)
    src = write_csv(tmp_path / "customers.csv", list(synthetic_rows(50, seed=3)))
    raw = {
        "job_id": f"adopt-{status.lower()}",
        "inputs": [str(src)],
        "dataset_id": dataset_id,
        "country_code": "US",
        "pii": PII_SPEC,
        "event_time": "purchase_ts",
        "instances": [SANDBOX_INSTANCE_ID],
        "output": f"s3://{bucket}/stage",
    }
    staged = run_job(JobConfig.from_mapping({**raw, "stage_only": True}))
    record = staged.instances[0].record
    assert record is not None and record.bucket == bucket and record.upload_id is None
    amc_sandbox_clean.inject(
        method="POST",
        path_regex=r"/uploads/list$",
        status=200,
        body_text=listed_upload(
            "earlier-upload", status, dataset_id=dataset_id, bucket=bucket, manifest_key=record.manifest_key
        ),
        content_type="application/json",
        count=1,
    )
    result = run_job(JobConfig.from_mapping(raw), amc=client).instances[0]
    assert result.reused_staging
    if adopted:
        assert result.upload_id == "earlier-upload"
        assert _upload_posts(amc_sandbox_clean, dataset_id) == 0
    else:
        assert result.upload_id and result.upload_id != "earlier-upload"
        assert _upload_posts(amc_sandbox_clean, dataset_id) == 1
