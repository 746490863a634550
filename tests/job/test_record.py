"""The job record builds the one AMC upload request of its manifest."""

from __future__ import annotations

import pytest

from amc_uploader.job.errors import JobConfigError
from amc_uploader.job.record import JobRecord


def _record(bucket: str | None) -> JobRecord:
    key = "tenant-a/amc/ds1/job-1/inst1/manifest.txt"
    return JobRecord(
        job_id="job-1",
        dataset_id="ds1",
        instance_id="inst1",
        file_format="JSONL",
        update_strategy="FULL_REPLACE",
        country_code="DE",
        bucket=bucket,
        manifest_key=key,
        manifest_uri=f"s3://{bucket}/{key}",
        report_key=key.replace("manifest.txt", "report.json"),
    )


def test_upload_request_names_the_staged_manifest() -> None:
    wire = _record("artifacts").upload_request().to_wire()
    assert wire["dataSource"] == {
        "sourceS3Bucket": "artifacts",
        "sourceManifestS3Key": "tenant-a/amc/ds1/job-1/inst1/manifest.txt",
    }
    assert wire["fileFormat"] == {"jsonDataFormat": "LINES"}
    assert wire["updateStrategy"] == "FULL_REPLACE"
    assert wire["countryCode"] == "DE"


def test_a_local_staging_has_no_upload_request() -> None:
    with pytest.raises(JobConfigError, match="staged to a local directory"):
        _record(None).upload_request()
