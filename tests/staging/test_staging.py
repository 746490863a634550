"""The S3 staging contract against a real moto server and a local directory."""

from __future__ import annotations

import gzip
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

import pytest

from amc_client.staging import (
    MAX_BUCKET_POLICY_BYTES,
    POLICY_SID,
    BucketPolicyTooLargeError,
    GzipPartitionWriter,
    InstanceStage,
    JobRecord,
    LocalTarget,
    S3Target,
    StagingError,
    StagingLayout,
    apply_bucket_policy,
    build_manifest,
    cleanup_staged,
    merge_bucket_policy,
    new_job_id,
    open_target,
    parse_manifest,
)


def _bucket(s3: Any) -> str:
    name = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _write_all(writer: GzipPartitionWriter, lines: list[bytes]) -> None:
    for line in lines:
        writer.write(line)
    writer.close()


def _read_parts(parts: list[Any]) -> list[bytes]:
    return [gzip.decompress(p.path.read_bytes()) for p in parts]


# -- layout -------------------------------------------------------------------------------------------


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


def test_manifest_format() -> None:
    assert build_manifest(["s3://b/k1", "s3://b/k2"]) == "s3://b/k1\ns3://b/k2"
    assert parse_manifest("s3://b/k1\ns3://b/k2\n") == ["s3://b/k1", "s3://b/k2"]
    with pytest.raises(StagingError):
        build_manifest([])


# -- partition writer -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cap", [1024, 5000, 65_536])
def test_cap_holds_on_incompressible_data(tmp_path: Path, cap: int) -> None:
    rng = random.Random(cap)
    lines = [rng.randbytes(rng.randint(1, 300)) + b"\n" for _ in range(2000)]
    writer = GzipPartitionWriter(cap, header=b"h1,h2\n", spool_dir=tmp_path)
    _write_all(writer, lines)
    parts = writer.partitions
    assert len(parts) > 1
    assert all(p.size_bytes <= cap for p in parts)
    assert all(p.path.stat().st_size == p.size_bytes for p in parts)
    bodies = _read_parts(parts)
    assert all(b.startswith(b"h1,h2\n") for b in bodies)
    assert b"".join(b[len(b"h1,h2\n") :] for b in bodies) == b"".join(lines)
    assert sum(p.rows for p in parts) == len(lines) == writer.total_rows


def test_compressible_data_fills_partitions(tmp_path: Path) -> None:
    lines = [f"{i},customer-{i % 97},2020-01-01T00:00:00Z\n".encode() for i in range(50_000)]
    cap = 20_000
    writer = GzipPartitionWriter(cap, spool_dir=tmp_path)
    _write_all(writer, lines)
    parts = writer.partitions
    assert all(p.size_bytes <= cap for p in parts)
    # Filled close to the cap (the safety margin is 1%, minimum 256 bytes), except the last one.
    assert all(p.size_bytes > cap * 0.9 for p in parts[:-1])
    assert b"".join(_read_parts(parts)) == b"".join(lines)


def test_cap_limits() -> None:
    with pytest.raises(StagingError, match="outside"):
        GzipPartitionWriter(1_000_000_001)
    with pytest.raises(StagingError, match="outside"):
        GzipPartitionWriter(10)


def test_record_larger_than_cap_is_an_error(tmp_path: Path) -> None:
    writer = GzipPartitionWriter(1024, spool_dir=tmp_path)
    with pytest.raises(StagingError, match="single record"):
        writer.write(os.urandom(5000))
    writer.discard()


def test_no_rows_no_partition(tmp_path: Path) -> None:
    writer = GzipPartitionWriter(1024, header=b"a\n", spool_dir=tmp_path)
    assert writer.close() == []


# -- targets ----------------------------------------------------------------------------------------------


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
        s3.get_object(Bucket=bucket, Key=record.manifest_key.replace("manifest.txt", "job.json"))[
            "Body"
        ].read()
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


# -- bucket policy ----------------------------------------------------------------------------------------


def test_merge_policy_preserves_other_statements_and_replaces_ours() -> None:
    deny = {
        "Sid": "DenyInsecure",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    first = merge_bucket_policy({"Version": "2012-10-17", "Statement": [deny]}, "b", ["123456789012"])
    assert [s["Sid"] for s in first["Statement"]] == [POLICY_SID, "DenyInsecure"]
    ours = first["Statement"][0]
    assert ours["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root"]}
    assert set(ours["Action"]) == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetObjectTagging",
        "s3:GetBucketTagging",
    }
    assert ours["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    second = merge_bucket_policy(json.dumps(first), "b", ["210987654321", "123456789012", "123456789012"])
    assert [s["Sid"] for s in second["Statement"]] == [POLICY_SID, "DenyInsecure"]
    assert second["Statement"][0]["Principal"]["AWS"] == [
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::210987654321:root",
    ]
    assert second["Statement"][1] == deny
    assert merge_bucket_policy(second, "b", [])["Statement"] == [deny]


def test_merge_policy_size_limit() -> None:
    accounts = [f"{n:012d}" for n in range(1, 2000)]
    with pytest.raises(BucketPolicyTooLargeError, match="20480"):
        merge_bucket_policy(None, "b", accounts)
    ok = merge_bucket_policy(None, "b", accounts[:400])
    assert len(json.dumps(ok, separators=(",", ":"))) <= MAX_BUCKET_POLICY_BYTES


def test_merge_policy_rejects_bad_account() -> None:
    with pytest.raises(StagingError, match="account"):
        merge_bucket_policy(None, "b", ["12345"])


def test_apply_bucket_policy_against_moto(s3: Any) -> None:
    bucket = _bucket(s3)
    other = {
        "Sid": "Other",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{bucket}/glue/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    apply_bucket_policy(s3, bucket, ["123456789012"])
    apply_bucket_policy(s3, bucket, ["123456789012", "210987654321"])
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [POLICY_SID, "Other"]
    assert len(policy["Statement"][0]["Principal"]["AWS"]) == 2

    fresh = _bucket(s3)
    apply_bucket_policy(s3, fresh, ["123456789012"])
    assert json.loads(s3.get_bucket_policy(Bucket=fresh)["Policy"])["Statement"][0]["Sid"] == POLICY_SID
