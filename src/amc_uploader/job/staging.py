"""Staging one job for one instance: data files, report, job record, then the manifest (last).

What AMC reads (manifest, ``instanceId`` tags) comes from `amc_client.s3_contract`; where files go from
`amc_uploader.job.layout`; the hand-off to the upload is the `JobRecord` next to the manifest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from amc_client.s3_contract import build_manifest, instance_tags
from amc_uploader.job.errors import StagingError
from amc_uploader.job.layout import FileFormat, StagingLayout, record_key_for_manifest
from amc_uploader.job.record import JobRecord, PartitionInfo
from amc_uploader.job.target import StagingTarget

__all__ = ["InstanceStage", "cleanup_staged", "read_job_record", "write_job_record"]

logger = logging.getLogger(__name__)


def read_job_record(target: StagingTarget, manifest_key: str) -> JobRecord | None:
    """The job record beside ``manifest_key`` (a key of ``target``), None when there is none."""
    raw = target.read_bytes(record_key_for_manifest(manifest_key))
    if raw is None:
        return None
    try:
        return JobRecord.model_validate_json(raw)
    except ValidationError:
        raise StagingError(f"the job record beside {manifest_key} is not a valid job record") from None


def write_job_record(target: StagingTarget, record: JobRecord, manifest_key: str) -> None:
    target.put_bytes(record_key_for_manifest(manifest_key), record.to_json_bytes())


class InstanceStage:
    """Stages one job for one instance: data files, report, job record, then the manifest."""

    def __init__(self, target: StagingTarget, layout: StagingLayout, file_format: FileFormat) -> None:
        self.target = target
        self.layout = layout
        self.file_format = file_format
        self.partitions: list[PartitionInfo] = []
        self.tags = instance_tags(layout.instance_id)

    def add_partition(
        self, path: Path, *, index: int, rows: int, size: int, chunk: int | None = None
    ) -> None:
        key = self.layout.partition_key(index, self.file_format, chunk=chunk)
        self.target.put_file(key, path, tags=self.tags)
        self.partitions.append(PartitionInfo(key=key, uri=self.target.uri(key), rows=rows, size_bytes=size))

    def add_staged(self, info: PartitionInfo) -> None:
        """Record a partition some other process (a Spark task) already staged."""
        self.partitions.append(info)

    def existing_record(self) -> JobRecord | None:
        """The job record of a completed earlier run of the same job id (manifest present), if any."""
        if not self.target.exists(self.layout.manifest_key):
            return None
        return read_job_record(self.target, self.layout.manifest_key)

    def write_report(self, report: Mapping[str, Any]) -> None:
        self.target.put_bytes(self.layout.report_key, json.dumps(report, indent=2).encode())

    def finalize(self, *, update_strategy: str, country_code: str | None) -> JobRecord:
        """Write the job record, then the manifest (last, so a trigger on it sees complete data)."""
        if not self.partitions:
            raise StagingError("nothing to stage: no data partitions")
        parts = sorted(self.partitions, key=lambda p: p.key)
        record = JobRecord(
            job_id=self.layout.job_id,
            dataset_id=self.layout.dataset_id,
            instance_id=self.layout.instance_id,
            file_format=self.file_format,
            update_strategy=update_strategy,
            country_code=country_code,
            bucket=self.target.bucket,
            manifest_key=self.target.full_key(self.layout.manifest_key),
            manifest_uri=self.target.uri(self.layout.manifest_key),
            report_key=self.target.full_key(self.layout.report_key),
            partitions=parts,
            rows=sum(p.rows for p in parts),
            size_bytes=sum(p.size_bytes for p in parts),
        )
        self.write_record(record)
        manifest = build_manifest(p.uri for p in parts)
        self.target.put_bytes(self.layout.manifest_key, manifest.encode(), tags=self.tags)
        logger.info(
            "staged job %s for instance %s: %d partitions, %d rows",
            self.layout.job_id,
            self.layout.instance_id,
            len(parts),
            record.rows,
        )
        return record

    def write_record(self, record: JobRecord) -> None:
        write_job_record(self.target, record, self.layout.manifest_key)

    def cleanup(self) -> int:
        return cleanup_staged(self.target, self.layout)


def cleanup_staged(target: StagingTarget, layout: StagingLayout) -> int:
    """Delete everything under the job's instance prefix (a failed run); returns the number deleted."""
    keys = target.list_keys(layout.prefix)
    if keys:
        target.delete_keys(keys)
        logger.info("removed %d staged objects of job %s", len(keys), layout.job_id)
    return len(keys)
