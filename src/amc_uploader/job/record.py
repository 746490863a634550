"""The job record: everything an uploader needs, staged next to the manifest (``job.json``).

It is the one hand-off from staging to the upload: the CLI run, the uploader Lambda and the API service
read dataset, job and instance ids, format and options from it, never from the key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from amc_client.models import UploadRequest
from amc_uploader.job.errors import JobConfigError
from amc_uploader.job.layout import FileFormat

__all__ = ["JobRecord", "PartitionInfo"]


class PartitionInfo(BaseModel):
    """One staged data file."""

    model_config = ConfigDict(frozen=True)

    key: str
    uri: str
    rows: int
    size_bytes: int


class JobRecord(BaseModel):
    """Everything an uploader needs, next to the manifest (``job.json``)."""

    model_config = ConfigDict(extra="ignore")

    version: int = 1
    job_id: str
    dataset_id: str
    instance_id: str
    file_format: FileFormat
    update_strategy: str
    country_code: str | None
    bucket: str | None = None
    manifest_key: str
    manifest_uri: str
    report_key: str
    partitions: list[PartitionInfo] = Field(default_factory=list)
    rows: int = 0
    size_bytes: int = 0
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    upload_id: str | None = None
    upload_created_at: datetime | None = None

    def s3_bucket(self) -> str:
        """The bucket AMC reads the staged files from; a job staged to a local directory has none."""
        if self.bucket is None:
            raise JobConfigError("AMC reads staged files from S3; this job was staged to a local directory")
        return self.bucket

    def upload_request(self) -> UploadRequest:
        """The AMC upload that ingests this record's manifest: the one place it is built from a job."""
        return UploadRequest.from_manifest(
            self.s3_bucket(),
            self.manifest_key,
            file_format=self.file_format,
            update_strategy=self.update_strategy,
            country_code=self.country_code,
        )

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(indent=2).encode()
