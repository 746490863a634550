"""Staging a job: key layout, job ids, the job record and the S3 / local targets (moto server)."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from amc_client.s3_contract import parse_manifest
from amc_uploader.job.errors import JobError, StagingError
from amc_uploader.job.layout import (
    StagingLayout,
    is_manifest_key,
    new_job_id,
    record_key_for_manifest,
)
from amc_uploader.job.local_target import LocalTarget
from amc_uploader.job.record import JobRecord
from amc_uploader.job.s3_target import S3Target
from amc_uploader.job.staging import InstanceStage, cleanup_staged, read_job_record
from amc_uploader.job.target import open_target
from amc_uploader.job.writer import GzipPartitionWriter


def _bucket(s3: Any) -> str:
    name = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _write_all(writer: GzipPartitionWriter, lines: list[bytes]) -> None:
    for line in lines:
        writer.write(line)
    writer.close()


def test_layout_keys_carry_the_job_id_and_no_state() -> None:
    layout = StagingLayout("purchases", "job-1", "amcsandbox01")
    assert layout.partition_key(0, "CSV") == "amc/purchases/job-1/amcsandbox01/part-00000.csv.gz"
    assert (
        layout.partition_key(3, "JSONL", chunk=7)
        == "amc/purchases/job-1/amcsandbox01/part-00007-0003.json.gz"
    )
    assert layout.manifest_key == "amc/purchases/job-1/amcsandbox01/manifest.txt"
    assert layout.job_record_key.endswith("/job.json")
    assert layout.report_key.endswith("/report.json")


@pytest.mark.parametrize("bad", ["", "a/b", "_hidden", ".dot", "x|y", "a b", "x" * 129])
def test_layout_rejects_ids_that_break_key_segments(bad: str) -> None:
    with pytest.raises(StagingError, match="invalid"):
        StagingLayout("purchases", bad, "amcsandbox01")


def test_new_job_ids_are_unique_and_valid() -> None:
    ids = {new_job_id() for _ in range(50)}
    assert len(ids) == 50
    for job_id in ids:
        StagingLayout("d", job_id, "i")


def test_seeded_job_ids_repeat_for_the_same_event() -> None:
    at = datetime(2026, 11, 29, 18, 37, tzinfo=UTC)
    first = new_job_id(at=at, seed="rule\nbucket\nkey\netag")
    assert first == new_job_id(at=at, seed="rule\nbucket\nkey\netag")
    assert first.startswith("20261129T183700Z-") and len(first) == len("20261129T183700Z-") + 8
    assert first != new_job_id(at=at, seed="rule\nbucket\nkey\nother-etag")
    StagingLayout("d", first, "i")


def test_record_key_sits_beside_the_manifest_whatever_the_prefix() -> None:
    layout = StagingLayout("ds", "job", "inst")
    assert record_key_for_manifest(layout.manifest_key) == layout.job_record_key
    prefixed = "tenant-a/amc/ds/job/inst/manifest.txt"
    assert record_key_for_manifest(prefixed) == "tenant-a/amc/ds/job/inst/job.json"
    assert is_manifest_key(prefixed) and is_manifest_key(layout.manifest_key)
    assert not is_manifest_key("amc/ds/job/inst/report.json") and not is_manifest_key("manifest.txt")


def test_staging_errors_are_job_errors() -> None:
    assert issubclass(StagingError, JobError)


def _stage(target: Any, layout: StagingLayout, tmp_path: Path, lines: list[bytes], cap: int) -> JobRecord:
    stage = InstanceStage(target, layout, "CSV")
    writer = GzipPartitionWriter(
        cap,
        header=b"id,value\n",
        spool_dir=tmp_path,
        on_partition=lambda p: stage.add_partition(p.path, index=p.index, rows=p.rows, size=p.size_bytes),
    )
    _write_all(writer, lines)
    stage.write_report({"rows": len(lines)})
    return stage.finalize(update_strategy="ADDITIVE", country_code="US")


class RecordingS3Target(S3Target):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.puts: list[str] = []

    def put_bytes(self, key: str, data: bytes, *, tags: Any = None) -> None:
        self.puts.append(key)
        super().put_bytes(key, data, tags=tags)

    def put_file(self, key: str, path: Path, *, tags: Any = None) -> None:
        self.puts.append(key)
        super().put_file(key, path, tags=tags)


def test_s3_staging_tags_manifest_last_and_cap(s3: Any, moto_endpoint: str, tmp_path: Path) -> None:
    bucket = _bucket(s3)
    target = RecordingS3Target(bucket, prefix="base/dir", client=s3, endpoint_url=moto_endpoint)
    layout = StagingLayout("purchases", new_job_id(), "amcsandbox01")
    rng = random.Random(1)
    lines = [f"{i},{rng.randbytes(40).hex()}\n".encode() for i in range(400)]
    cap = 4096
    record = _stage(target, layout, tmp_path, lines, cap)

    assert target.puts[-1] == layout.manifest_key
    assert target.puts[-2] == layout.job_record_key
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    data_keys = sorted(k for k in keys if k.endswith(".csv.gz"))
    assert len(data_keys) == len(record.partitions) > 3
    assert all(k.startswith("base/dir/amc/purchases/") for k in keys)

    manifest = s3.get_object(Bucket=bucket, Key=record.manifest_key)["Body"].read().decode()
    assert parse_manifest(manifest) == [f"s3://{bucket}/{k}" for k in data_keys]
    assert "report.json" not in manifest and "job.json" not in manifest

    rows: list[bytes] = []
    for key in [*data_keys, record.manifest_key]:
        tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        assert tags == [{"Key": "instanceId", "Value": "amcsandbox01"}]
    for key in data_keys:
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] <= cap
        body = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert body.startswith(b"id,value\n")
        rows.extend(body.splitlines(keepends=True)[1:])
    assert rows == lines

    stored = JobRecord.model_validate_json(
        s3.get_object(Bucket=bucket, Key=record_key_for_manifest(record.manifest_key))["Body"].read()
    )
    assert stored.rows == 400 and stored.bucket == bucket and stored.country_code == "US"
    assert stored.manifest_key == f"base/dir/{layout.manifest_key}"
    assert InstanceStage(target, layout, "CSV").existing_record() == stored

    assert cleanup_staged(target, layout) == len(keys)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_open_target_s3_honours_endpoint(s3: Any, moto_endpoint: str, aws_env: dict[str, str]) -> None:
    bucket = _bucket(s3)
    target = open_target(f"s3://{bucket}/p", endpoint_url=moto_endpoint)
    assert isinstance(target, S3Target)
    target.put_bytes("k.txt", b"x", tags={"instanceId": "i1"})
    assert s3.get_object(Bucket=bucket, Key="p/k.txt")["Body"].read() == b"x"
    assert target.get_tags("k.txt") == {"instanceId": "i1"}
    assert target.spec.open().read_bytes("k.txt") == b"x"
    assert target.read_bytes("missing") is None


def test_local_target_uses_absolute_file_uris(tmp_path: Path) -> None:
    out = tmp_path / "out"
    target = open_target(str(out))
    assert isinstance(target, LocalTarget)
    layout = StagingLayout("ds1", "job1", "inst1")
    lines = [f"{i},v{i}\n".encode() for i in range(1000)]
    spool = tmp_path / "spool"
    spool.mkdir()
    record = _stage(target, layout, spool, lines, 2048)
    uris = parse_manifest((out / layout.manifest_key).read_text())
    assert len(uris) == len(record.partitions) > 1
    body = b""
    for uri in uris:
        assert uri.startswith("file:///")
        path = Path(uri.removeprefix("file://"))
        assert path.is_absolute() and path.stat().st_size <= 2048
        body += b"".join(gzip.decompress(path.read_bytes()).splitlines(keepends=True)[1:])
    assert body == b"".join(lines)
    assert json.loads((out / layout.report_key).read_text()) == {"rows": 1000}
    assert cleanup_staged(target, layout) > 0
    assert not (out / "amc").exists()
    assert out.is_dir()


def test_open_target_rejects_unknown_scheme() -> None:
    with pytest.raises(StagingError, match="scheme"):
        open_target("gs://bucket/x")


def test_prefixed_record_is_read_from_its_manifest_key(s3: Any, moto_endpoint: str, tmp_path: Path) -> None:
    bucket = _bucket(s3)
    prefixed = S3Target(bucket, prefix="tenant-a", client=s3, endpoint_url=moto_endpoint)
    layout = StagingLayout("purchases", new_job_id(), "amcsandbox01")
    record = _stage(prefixed, layout, tmp_path, [b"1,a\n"], 4096)
    assert record.manifest_key.startswith("tenant-a/amc/purchases/")
    bucket_root = S3Target(bucket, client=s3, endpoint_url=moto_endpoint)
    assert read_job_record(bucket_root, record.manifest_key) == record
    assert read_job_record(bucket_root, "tenant-a/amc/x/y/z/manifest.txt") is None
