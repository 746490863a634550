"""A mixed-country file end to end against the AMC sandbox: the dataset declares the country column
`isCountryCode` (from the job's plan), the job stages resolved codes, the upload succeeds with every row."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from amc_client import AmcClient, build_dataset
from amc_client.s3_contract import apply_bucket_policy
from amc_sandbox import SANDBOX_DATA_UPLOAD_ACCOUNT_ID, SANDBOX_INSTANCE_ID, SandboxServer
from amc_uploader.job import JobConfig, run_job
from amc_uploader.job.countries import dataset_columns
from amc_uploader.job.plan import build_plan
from tests.job.helpers import COUNTRIES, PII_COLUMNS, conformance_rows, write_jsonl

pytestmark = pytest.mark.timeout(180)


def test_mixed_countries_upload_to_success(
    amc_sandbox_env: dict[str, str],
    amc_sandbox_clean: SandboxServer,
    aws_env: dict[str, str],
    s3: Any,
    tmp_path: Path,
    conformance_dir: Path,
) -> None:
    rows = []
    for cc in COUNTRIES:
        for i, row in enumerate(conformance_rows(conformance_dir, cc)[:10]):
            rows.append(
                {c: row.get(c) for c in ("id", *PII_COLUMNS)} | {"id": f"{cc}{i}", "country": cc.lower()}
            )
    rows.append({**rows[0], "id": "blank", "country": ""})
    rows.append({**rows[0], "id": "nowhere", "country": "Atlantis"})
    src = write_jsonl(tmp_path / "mixed.jsonl", rows)
    bucket = f"amc-cc-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    apply_bucket_policy(s3, bucket, [SANDBOX_DATA_UPLOAD_ACCOUNT_ID])
    dataset_id = f"mixed_{uuid.uuid4().hex[:8]}"
    config = JobConfig.from_mapping(
        {
            "inputs": [str(src)],
            "dataset_id": dataset_id,
            "country_code": "US",
            "country_column": "country",
            "pii": PII_COLUMNS,
            "instances": [SANDBOX_INSTANCE_ID],
            "output": f"s3://{bucket}/stage",
            "missing_consent": "keep",
        }
    )
    client = AmcClient.from_env()
    columns = dataset_columns(build_plan(config, "plan", s3_client=s3))
    client.for_instance().create_dataset(build_dataset(dataset_id, columns, country_code="US"))

    result = run_job(config, amc=client)
    item = result.instances[0]
    assert item.upload_id and item.record is not None and item.record.country_code == "US"
    upload = client.for_instance().wait_for_upload(dataset_id, item.upload_id, timeout=60, poll=0.2)
    assert upload.succeeded, upload.message
    metrics = upload.model_dump(by_alias=True)["metrics"]
    assert metrics["OutputRowCount"] == len(rows) and metrics["droppedRows"] == []
    assert result.report.normalization["countries"]["unknown"]["rows"] == 1
