"""Where a job's files live: the key layout of staged data and the job id scheme.

Layout (``<base>`` is the optional prefix of the output URI)::

    <base>amc/<dataset_id>/<job_id>/<instance_id>/part-00000.csv.gz ...
    <base>amc/<dataset_id>/<job_id>/<instance_id>/report.json    (never listed in the manifest)
    <base>amc/<dataset_id>/<job_id>/<instance_id>/job.json       (job record)
    <base>amc/<dataset_id>/<job_id>/<instance_id>/manifest.txt   (written last)

Fixes to the reference layout (spec D.4 weak points): no state packed into key segments and no ``|`` in
keys; a job id in the key so two jobs never overwrite each other's manifest; everything an uploader
needs sits in the job record next to the manifest, so no id is ever parsed back out of a key.

The prefixes are shared with the CDK app (``deploy/cdk/amc_infra``), which imports them from here: keep
this module free of third-party imports.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from amc_uploader.job.errors import StagingError

__all__ = [
    "JOB_CONFIG_PREFIX",
    "JOB_RECORD_NAME",
    "MANIFEST_NAME",
    "REPORT_NAME",
    "STAGING_PREFIX",
    "FileFormat",
    "StagingLayout",
    "check_id",
    "is_manifest_key",
    "new_job_id",
    "record_key_for_manifest",
]

# Staged data, manifests and job records (the uploader's S3 trigger and the lifecycle rule use it).
STAGING_PREFIX = "amc/"
# One JobConfig JSON per API run, read by the Glue job (``jobs/<job_id>/job-config.json``).
JOB_CONFIG_PREFIX = "jobs/"
MANIFEST_NAME = "manifest.txt"
JOB_RECORD_NAME = "job.json"
REPORT_NAME = "report.json"

FileFormat = Literal["CSV", "JSONL"]
_EXTENSIONS: dict[str, str] = {"CSV": "csv", "JSONL": "json"}
# Ids become key segments: no "/" (segments), no leading "." or "_" (AMC ignores such file names, B.14).
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_id(kind: str, value: str) -> str:
    if not _ID_RE.match(value):
        raise StagingError(
            f"invalid {kind} {value!r}: use letters, digits, '_', '-', '.'; start with a letter or digit; "
            "at most 128 characters"
        )
    return value


def new_job_id(*, at: datetime | None = None, seed: str | None = None) -> str:
    """The one job id scheme, sortable by time: ``20261129T183700Z-1a2b3c4d``.

    Random by default. With ``seed`` (and ``at``) the id is a function of them, so a redelivered event
    (an S3 trigger: rule, object and ETag as seed, the object's time as ``at``) maps to the same job.
    """
    when = (at or datetime.now(UTC)).astimezone(UTC)
    suffix = secrets.token_hex(4) if seed is None else hashlib.sha256(seed.encode()).hexdigest()[:8]
    return f"{when:%Y%m%dT%H%M%SZ}-{suffix}"


def record_key_for_manifest(manifest_key: str) -> str:
    """The job record beside a manifest: same folder, whatever prefix the folder has."""
    folder, _, _name = manifest_key.rpartition("/")
    return f"{folder}/{JOB_RECORD_NAME}" if folder else JOB_RECORD_NAME


def is_manifest_key(key: str) -> bool:
    """A staged manifest (any base prefix): ``.../<instance_id>/manifest.txt``."""
    folder, _, name = key.rpartition("/")
    return bool(folder) and name == MANIFEST_NAME


@dataclass(frozen=True)
class StagingLayout:
    """Where one job's files for one instance live (keys relative to the target root)."""

    dataset_id: str
    job_id: str
    instance_id: str

    def __post_init__(self) -> None:
        check_id("dataset id", self.dataset_id)
        check_id("job id", self.job_id)
        check_id("instance id", self.instance_id)

    @property
    def prefix(self) -> str:
        return f"{STAGING_PREFIX}{self.dataset_id}/{self.job_id}/{self.instance_id}/"

    def partition_key(self, index: int, file_format: FileFormat, *, chunk: int | None = None) -> str:
        """``part-00000.csv.gz``; writers running in parallel (Spark tasks) add their chunk number."""
        ext = _EXTENSIONS[file_format]
        name = f"part-{index:05d}" if chunk is None else f"part-{chunk:05d}-{index:04d}"
        return f"{self.prefix}{name}.{ext}.gz"

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}{MANIFEST_NAME}"

    @property
    def job_record_key(self) -> str:
        return record_key_for_manifest(self.manifest_key)

    @property
    def report_key(self) -> str:
        return f"{self.prefix}{REPORT_NAME}"
