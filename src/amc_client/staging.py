"""The S3 staging contract: key layout, gzip partitions under a size cap, manifest, job record, bucket policy.

What AMC reads (spec amc-api.md D): gzip data files listed one URI per line in a manifest, every object
tagged ``instanceId=<instance>``, the bucket readable by each instance's data-upload AWS account.
Fixes to the reference layout (D.4 weak points): no state packed into key segments and no ``|`` in keys;
a job id in the key so two jobs never overwrite each other's manifest; everything an uploader needs sits
in a small JSON job record next to the manifest.

Layout (``<base>`` is the optional prefix of the output URI)::

    <base>amc/<dataset_id>/<job_id>/<instance_id>/part-00000.csv.gz ...
    <base>amc/<dataset_id>/<job_id>/<instance_id>/report.json    (never listed in the manifest)
    <base>amc/<dataset_id>/<job_id>/<instance_id>/job.json       (job record)
    <base>amc/<dataset_id>/<job_id>/<instance_id>/manifest.txt   (written last)

Two targets: an S3 bucket (boto3, ``endpoint_url`` honoured, e.g. a moto server) and a local directory,
whose manifest lists absolute ``file://`` URIs so a staged run can be inspected and re-read without S3.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlencode, urlparse

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PARTITION_CAP",
    "MAX_BUCKET_POLICY_BYTES",
    "MAX_PARTITION_CAP",
    "MIN_PARTITION_CAP",
    "POLICY_ACTIONS",
    "POLICY_SID",
    "BucketPolicyTooLargeError",
    "FileFormat",
    "GzipPartitionWriter",
    "InstanceStage",
    "JobRecord",
    "LocalTarget",
    "PartitionInfo",
    "S3Target",
    "SpooledPartition",
    "StagingError",
    "StagingLayout",
    "StagingTarget",
    "TargetSpec",
    "apply_bucket_policy",
    "build_manifest",
    "build_policy_statement",
    "cleanup_staged",
    "instance_tags",
    "merge_bucket_policy",
    "new_job_id",
    "open_target",
    "parse_manifest",
    "validate_partition_cap",
]

# D.3: the reference's own ceiling; AMC only recommends <= 1 GB per file (B.14).
DEFAULT_PARTITION_CAP = 500_000_000
MAX_PARTITION_CAP = 1_000_000_000
# Below this a gzip member cannot hold a header plus a row in a useful way.
MIN_PARTITION_CAP = 1024
# D.6
POLICY_SID = "AllowDataUploadFromAmc"
POLICY_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:GetObjectTagging",
    "s3:GetBucketTagging",
)
MAX_BUCKET_POLICY_BYTES = 20_480

FileFormat = Literal["CSV", "JSONL"]
_EXTENSIONS: dict[str, str] = {"CSV": "csv", "JSONL": "json"}
# Ids become key segments: no "/" (segments), no leading "." or "_" (AMC ignores such file names, B.14).
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_S3_URI_RE = re.compile(r"^s3://([^/]+)/?(.*)$")


class StagingError(Exception):
    """A staging request that cannot be honoured (bad id, bad target, policy too large, ...)."""


class BucketPolicyTooLargeError(StagingError):
    """The merged bucket policy would exceed S3's 20 KB limit."""


def _check_id(kind: str, value: str) -> str:
    if not _ID_RE.match(value):
        raise StagingError(
            f"invalid {kind} {value!r}: use letters, digits, '_', '-', '.'; start with a letter or digit; "
            "at most 128 characters"
        )
    return value


def validate_partition_cap(cap: int) -> int:
    if not MIN_PARTITION_CAP <= cap <= MAX_PARTITION_CAP:
        raise StagingError(
            f"partition cap {cap} bytes is outside [{MIN_PARTITION_CAP}, {MAX_PARTITION_CAP}] "
            "(AMC reads files up to 1 GB)"
        )
    return cap


def new_job_id() -> str:
    """Sortable and unique: ``20261129T183700Z-1a2b3c4d``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def instance_tags(instance_id: str) -> dict[str, str]:
    """D.5: every data file and manifest carries ``instanceId=<instance id>``."""
    return {"instanceId": instance_id}


@dataclass(frozen=True)
class StagingLayout:
    """Where one job's files for one instance live (keys relative to the target root)."""

    dataset_id: str
    job_id: str
    instance_id: str

    def __post_init__(self) -> None:
        _check_id("dataset id", self.dataset_id)
        _check_id("job id", self.job_id)
        _check_id("instance id", self.instance_id)

    @property
    def prefix(self) -> str:
        return f"amc/{self.dataset_id}/{self.job_id}/{self.instance_id}/"

    def partition_key(self, index: int, file_format: FileFormat, *, chunk: int | None = None) -> str:
        """``part-00000.csv.gz``; writers running in parallel (Spark tasks) add their chunk number."""
        ext = _EXTENSIONS[file_format]
        name = f"part-{index:05d}" if chunk is None else f"part-{chunk:05d}-{index:04d}"
        return f"{self.prefix}{name}.{ext}.gz"

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}manifest.txt"

    @property
    def job_record_key(self) -> str:
        return f"{self.prefix}job.json"

    @property
    def report_key(self) -> str:
        return f"{self.prefix}report.json"


class StagingTarget(ABC):
    """A place staged files go: an S3 bucket (with optional key prefix) or a local directory."""

    @property
    @abstractmethod
    def spec(self) -> TargetSpec:
        """A small picklable description to reopen this target elsewhere (e.g. on a Spark executor)."""

    @property
    @abstractmethod
    def bucket(self) -> str | None:
        """The S3 bucket, None for a local directory."""

    @abstractmethod
    def full_key(self, key: str) -> str:
        """The object key (S3) or relative path (local) including the target's base prefix."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """``s3://bucket/key`` or ``file:///abs/path``."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None: ...

    @abstractmethod
    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes | None:
        """The object's content, None when it does not exist."""

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Keys (relative to the target root) under ``prefix``, sorted."""

    @abstractmethod
    def delete_keys(self, keys: Sequence[str]) -> None: ...

    def exists(self, key: str) -> bool:
        return self.read_bytes(key) is not None


@dataclass(frozen=True)
class TargetSpec:
    """``s3://bucket[/prefix]``, ``file:///abs/dir`` or a local path, plus the S3 endpoint/region."""

    uri: str
    endpoint_url: str | None = None
    region: str | None = None

    def open(self, *, s3_client: Any = None) -> StagingTarget:
        return open_target(self.uri, endpoint_url=self.endpoint_url, region=self.region, s3_client=s3_client)


def open_target(
    uri: str | Path,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    s3_client: Any = None,
) -> StagingTarget:
    """Open an output location: ``s3://bucket/optional/prefix``, ``file:///dir`` or a plain path."""
    text = str(uri)
    match = _S3_URI_RE.match(text)
    if match:
        bucket, prefix = match.group(1), match.group(2).strip("/")
        return S3Target(bucket, prefix=prefix, client=s3_client, endpoint_url=endpoint_url, region=region)
    if "://" in text and not text.startswith("file://"):
        raise StagingError(f"unsupported output location scheme in {text!r} (use s3:// or a local path)")
    path = Path(unquote(urlparse(text).path)) if text.startswith("file://") else Path(text)
    return LocalTarget(path)


class LocalTarget(StagingTarget):
    """A local directory. Object tags have no local equivalent and are not stored."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    @property
    def spec(self) -> TargetSpec:
        return TargetSpec(uri=str(self.root))

    @property
    def bucket(self) -> str | None:
        return None

    def full_key(self, key: str) -> str:
        return key

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StagingError(f"key {key!r} escapes the output directory")
        return path

    def uri(self, key: str) -> str:
        return "file://" + quote(str(self._path(key)))

    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)

    def read_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def list_keys(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def delete_keys(self, keys: Sequence[str]) -> None:
        dirs: set[Path] = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            dirs.add(path.parent)
        # Remove directories this run emptied, deepest first, never the root itself.
        for directory in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            current = directory
            while current != self.root and self.root in current.parents:
                try:
                    current.rmdir()
                except OSError:
                    break
                current = current.parent


class S3Target(StagingTarget):
    """An S3 bucket with an optional key prefix (``s3://bucket/prefix``)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self._bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = (
            endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        )
        self.region = region
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=region)
        self.client = client

    @property
    def spec(self) -> TargetSpec:
        uri = f"s3://{self._bucket}/{self.prefix}" if self.prefix else f"s3://{self._bucket}"
        return TargetSpec(uri=uri, endpoint_url=self.endpoint_url, region=self.region)

    @property
    def bucket(self) -> str | None:
        return self._bucket

    def full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self._bucket}/{self.full_key(key)}"

    @staticmethod
    def _tagging(tags: Mapping[str, str] | None) -> dict[str, str]:
        return {"Tagging": urlencode(dict(tags))} if tags else {}

    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None:
        self.client.put_object(Bucket=self._bucket, Key=self.full_key(key), Body=data, **self._tagging(tags))

    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None:
        self.client.upload_file(
            str(path), self._bucket, self.full_key(key), ExtraArgs=self._tagging(tags) or None
        )

    def read_bytes(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self._bucket, Key=self.full_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def list_keys(self, prefix: str) -> list[str]:
        full = self.full_key(prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete_keys(self, keys: Sequence[str]) -> None:
        batch = [self.full_key(k) for k in keys]
        for start in range(0, len(batch), 1000):
            chunk = batch[start : start + 1000]
            self.client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )

    def get_tags(self, key: str) -> dict[str, str]:
        response = self.client.get_object_tagging(Bucket=self._bucket, Key=self.full_key(key))
        return {t["Key"]: t["Value"] for t in response.get("TagSet", [])}


def build_manifest(uris: Iterable[str]) -> str:
    """D.4: one URI per line, ``\\n``-separated, no trailing newline."""
    lines = list(uris)
    if not lines:
        raise StagingError("a manifest needs at least one data file")
    return "\n".join(lines)


def parse_manifest(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


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

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(indent=2).encode()


@dataclass(frozen=True)
class SpooledPartition:
    """A finished gzip partition in a local spool file, waiting to be staged."""

    index: int
    path: Path
    rows: int
    size_bytes: int


def _deflate_bound(n: int) -> int:
    # Worst case of deflate on incompressible input is stored blocks: 5 bytes per <= 65535-byte block;
    # zlib's deflateBound() adds ~0.03% + 13. We over-estimate on purpose (n/1024 + 64).
    return n + (n >> 10) + 64


class GzipPartitionWriter:
    """Streams lines into gzip files that never exceed ``cap`` compressed bytes.

    The cap holds on any data: before each line we bound the final size by the exact compressed bytes
    already emitted plus deflate's worst-case expansion of everything not yet emitted and the gzip
    trailer. When the bound crosses the cap we sync-flush (making the emitted count exact) and test again;
    if the line still does not fit, or less than ``margin`` bytes remain, the partition is closed and the
    line starts the next one. Every partition repeats ``header`` (CSV header row).
    """

    _GZIP_OVERHEAD = 10 + 8 + 16  # header, trailer, final empty block and flush markers

    def __init__(
        self,
        cap: int = DEFAULT_PARTITION_CAP,
        *,
        header: bytes | None = None,
        spool_dir: Path | None = None,
        on_partition: Callable[[SpooledPartition], None] | None = None,
        margin: int | None = None,
        level: int = 6,
    ) -> None:
        self.cap = validate_partition_cap(cap)
        self.header = header
        self.margin = margin if margin is not None else max(self.cap // 100, 256)
        self.level = level
        self.on_partition = on_partition
        self._own_spool = spool_dir is None
        self.spool_dir = Path(tempfile.mkdtemp(prefix="amc-spool-")) if spool_dir is None else spool_dir
        self.partitions: list[SpooledPartition] = []
        self._file: Any = None
        self._compressor: Any = None
        self._emitted = 0
        self._pending = 0
        self._rows = 0
        self._buf: list[bytes] = []
        self._buf_len = 0
        self._path: Path | None = None
        self.total_rows = 0
        self.total_bytes = 0

    def _open(self) -> None:
        self._path = self.spool_dir / f"part-{len(self.partitions):05d}.gz"
        self._file = self._path.open("wb")
        self._compressor = zlib.compressobj(self.level, zlib.DEFLATED, 31)
        self._emitted = 0
        self._pending = 0
        self._rows = 0
        self._buf.clear()
        self._buf_len = 0
        if self.header is not None:
            if _deflate_bound(len(self.header)) + self._GZIP_OVERHEAD > self.cap:
                raise StagingError("the header row alone exceeds the partition cap")
            self._feed(self.header)

    def _feed(self, data: bytes) -> None:
        # Small records are batched before reaching zlib (one call per ~64 KB instead of per line).
        self._buf.append(data)
        self._buf_len += len(data)
        self._pending += len(data)
        if self._buf_len >= 65_536:
            self._drain()

    def _drain(self) -> None:
        if self._buf:
            out = self._compressor.compress(b"".join(self._buf))
            self._buf.clear()
            self._buf_len = 0
            if out:
                self._file.write(out)
                self._emitted += len(out)

    def _flush(self) -> None:
        self._drain()
        out = self._compressor.flush(zlib.Z_SYNC_FLUSH)
        self._file.write(out)
        self._emitted += len(out)
        self._pending = 0

    def _fits(self, n: int) -> bool:
        return self._emitted + _deflate_bound(self._pending + n) + self._GZIP_OVERHEAD <= self.cap

    def write(self, line: bytes) -> None:
        """Write one complete record (including its line terminator)."""
        if self._file is None:
            self._open()
        elif not self._fits(len(line)):
            if self._pending:
                self._flush()
            if not self._fits(len(line)) or self.cap - self._emitted < self.margin:
                self._close_partition()
                self._open()
        if self._rows == 0 and not self._fits(len(line)):
            self._flush()
        if self._rows == 0 and not self._fits(len(line)):
            raise StagingError(f"a single record of {len(line)} bytes does not fit in the partition cap")
        self._feed(line)
        self._rows += 1

    def _close_partition(self) -> None:
        self._drain()
        out = self._compressor.flush(zlib.Z_FINISH)
        self._file.write(out)
        self._emitted += len(out)
        self._file.close()
        assert self._path is not None
        part = SpooledPartition(len(self.partitions), self._path, self._rows, self._emitted)
        if part.size_bytes > self.cap:  # the bound above makes this unreachable; keep the invariant explicit
            raise StagingError(f"partition {part.index} is {part.size_bytes} bytes, above the cap {self.cap}")
        self.partitions.append(part)
        self.total_rows += part.rows
        self.total_bytes += part.size_bytes
        self._file = None
        if self.on_partition is not None:
            self.on_partition(part)

    def close(self) -> list[SpooledPartition]:
        """Finish the open partition (if any row was written) and return all partitions."""
        if self._file is not None:
            if self._rows:
                self._close_partition()
            else:
                self._file.close()
                self._file = None
        return self.partitions

    def discard(self) -> None:
        """Abort: close and delete every spool file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        for part in self.partitions:
            part.path.unlink(missing_ok=True)
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        if self._own_spool:
            shutil.rmtree(self.spool_dir, ignore_errors=True)


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
        raw = self.target.read_bytes(self.layout.job_record_key)
        return JobRecord.model_validate_json(raw) if raw else None

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
        log.info(
            "staged job %s for instance %s: %d partitions, %d rows",
            self.layout.job_id,
            self.layout.instance_id,
            len(parts),
            record.rows,
        )
        return record

    def write_record(self, record: JobRecord) -> None:
        self.target.put_bytes(self.layout.job_record_key, record.to_json_bytes())

    def cleanup(self) -> int:
        return cleanup_staged(self.target, self.layout)


def cleanup_staged(target: StagingTarget, layout: StagingLayout) -> int:
    """Delete everything under the job's instance prefix (a failed run); returns the number deleted."""
    keys = target.list_keys(layout.prefix)
    if keys:
        target.delete_keys(keys)
        log.info("removed %d staged objects of job %s", len(keys), layout.job_id)
    return len(keys)


def build_policy_statement(bucket: str, account_ids: Iterable[str]) -> dict[str, Any]:
    """D.6: let each instance's data-upload AWS account read the bucket and its tags."""
    accounts = sorted(set(account_ids))
    for account in accounts:
        if not re.fullmatch(r"\d{12}", account):
            raise StagingError(f"invalid AWS account id {account!r} (12 digits expected)")
    if not accounts:
        raise StagingError("at least one data-upload AWS account id is needed")
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
        "Action": list(POLICY_ACTIONS),
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }


def merge_bucket_policy(
    existing: Mapping[str, Any] | str | None, bucket: str, account_ids: Iterable[str]
) -> dict[str, Any]:
    """Replace (or add, first) the AMC statement and keep every other statement as it was.

    With no account ids the AMC statement is removed. Raises BucketPolicyTooLargeError above 20 KB.
    """
    policy: dict[str, Any]
    if existing is None or existing == "":
        policy = {"Version": "2012-10-17", "Statement": []}
    elif isinstance(existing, str):
        policy = json.loads(existing)
    else:
        policy = json.loads(json.dumps(existing))
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    others = [s for s in statements if s.get("Sid") != POLICY_SID]
    accounts = sorted(set(account_ids))
    merged = [build_policy_statement(bucket, accounts), *others] if accounts else others
    policy["Version"] = policy.get("Version", "2012-10-17")
    policy["Statement"] = merged
    size = len(json.dumps(policy, separators=(",", ":")).encode())
    if size > MAX_BUCKET_POLICY_BYTES:
        raise BucketPolicyTooLargeError(
            f"bucket policy for {bucket} would be {size} bytes with {len(accounts)} data-upload accounts; "
            f"S3 allows {MAX_BUCKET_POLICY_BYTES}. Register fewer AMC instances on this bucket or use "
            "another bucket."
        )
    return policy


def apply_bucket_policy(s3_client: Any, bucket: str, account_ids: Iterable[str]) -> dict[str, Any]:
    """Read the bucket policy, merge the AMC statement, write it back (or delete an emptied policy)."""
    try:
        current: str | None = s3_client.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3_client.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            raise
        current = None
    policy = merge_bucket_policy(current, bucket, account_ids)
    if policy["Statement"]:
        s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy, separators=(",", ":")))
    elif current is not None:
        s3_client.delete_bucket_policy(Bucket=bucket)
    return policy
