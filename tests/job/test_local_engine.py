"""The local engine end to end on local files and on a moto S3 server."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from amc_normalize import hash_value
from amc_uploader.job import (
    DataQualityError,
    JobConfig,
    JobConfigError,
    JobProgress,
    JobReport,
    convert_timestamp,
    run_job,
)
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.job.helpers import (
    COUNTRIES,
    PII_COLUMNS,
    conformance_rows,
    find_manifest,
    manifest_files,
    read_staged_csv,
    read_staged_jsonl,
    write_csv,
    write_jsonl,
)


def _config(tmp_path: Path, inputs: list[str], **extra: Any) -> JobConfig:
    data: dict[str, Any] = {
        "inputs": inputs,
        "dataset_id": "ds_test",
        "country_code": "US",
        "instances": ["amcsandbox01"],
        "output": str(tmp_path / "out"),
        "stage_only": True,
    }
    data.update(extra)
    return JobConfig.from_mapping(data)


@pytest.mark.parametrize("country", COUNTRIES)
def test_conformance_parity_with_hash_value(tmp_path: Path, conformance_dir: Path, country: str) -> None:
    rows = conformance_rows(conformance_dir, country)
    pii = {c: t for c, t in PII_COLUMNS.items() if c in rows[0]}
    src = write_csv(tmp_path / f"{country}.csv", rows)
    event_time = "timestamp" if "timestamp" in rows[0] else None
    # Hashing parity only: EEA/UK rows without consent columns are kept (consent: tests/job/test_consent.py).
    config = _config(
        tmp_path, [str(src)], pii=pii, country_code=country, event_time=event_time, missing_consent="keep"
    )
    result = run_job(config)
    header, staged = read_staged_csv(find_manifest(tmp_path / "out"))
    assert header == list(rows[0])
    assert len(staged) == len(rows) == result.report.rows_out
    for raw, out in zip(rows, staged, strict=True):
        assert out["id"] == raw["id"]
        for column, pii_type in pii.items():
            assert out[column] == (hash_value(raw[column], pii_type, country) or ""), (raw["id"], column)


def test_tiny_cap_many_partitions_and_read_back(tmp_path: Path) -> None:
    rows = list(synthetic_rows(3000, seed=7))
    src = write_csv(tmp_path / "customers.csv", rows)
    config = _config(
        tmp_path,
        [str(src)],
        pii=PII_SPEC,
        drop=["amount"],
        event_time="purchase_ts",
        partition_cap_bytes=8192,
        max_timestamp_failure_share=0.0,
    )
    result = run_job(config)
    manifest = find_manifest(tmp_path / "out")
    parts = manifest_files(manifest)
    staged_dir = manifest.parent
    on_disk = sorted(p for p in staged_dir.iterdir() if p.name.endswith(".csv.gz"))
    assert sorted(parts) == on_disk
    assert len(parts) == result.report.partitions > 10
    assert all(p.stat().st_size <= 8192 for p in parts)
    record = result.instances[0].record
    assert record is not None and [p.uri for p in record.partitions] == [f"file://{p}" for p in parts]

    header, staged = read_staged_csv(manifest)
    assert header == ["customer_id", *PII_SPEC, "purchase_ts"]
    assert [r["customer_id"] for r in staged] == [r["customer_id"] for r in rows]
    for raw, out in zip(rows[:300], staged[:300], strict=True):
        assert out["email"] == (hash_value(raw["email"], "EMAIL", "US") or "")
    # Every timestamp shape of the generator comes out in AMC's format.
    assert all(len(r["purchase_ts"]) == 20 and r["purchase_ts"].endswith("Z") for r in staged)
    shapes = {("/" in r["purchase_ts"], "T" in r["purchase_ts"]) for r in rows}
    assert shapes == {(True, False), (False, True), (False, False)}
    for raw, out in zip(rows, staged, strict=True):
        assert out["purchase_ts"] == convert_timestamp(raw["purchase_ts"])
    report = json.loads((staged_dir / "report.json").read_text())
    assert report["rows_in"] == 3000 and report["partitions"] == len(parts)
    assert "report.json" not in manifest.read_text()
    normalization = JobReport.model_validate(report).normalization_report()
    assert normalization.rows == 3000 and sorted(normalization.columns) == sorted(PII_SPEC)


def test_jsonl_in_jsonl_out_gzip_and_multi_file(tmp_path: Path) -> None:
    rows = list(synthetic_rows(400, seed=3))
    a = write_jsonl(tmp_path / "a.jsonl", rows[:200])
    b = tmp_path / "b.json.gz"
    b.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows[200:]).encode()))
    config = _config(tmp_path, [str(tmp_path / "*.json*")], pii={"email": "EMAIL", "zip": "ZIP"})
    result = run_job(config)
    assert result.report.input_format == "JSONL" and result.report.file_format == "JSONL"
    staged = read_staged_jsonl(find_manifest(tmp_path / "out"))
    assert len(staged) == 400
    assert staged[0]["email"] == hash_value(rows[0]["email"], "EMAIL", "US")
    assert staged[399]["customer_id"] == rows[399]["customer_id"]
    assert all("zip" in r for r in staged)  # nulls are written explicitly
    assert a.exists()


def test_parquet_input_with_typed_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "email": ["A@Example.com", None, "bad"],
            "zip": [75236, 2134, None],
            "ts": pa.array([1_585_774_200_000_000, 0, 1_585_774_200_000_000], pa.timestamp("us", tz="UTC")),
            "qty": [1, 2, 3],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    config = _config(
        tmp_path, [str(tmp_path / "in.parquet")], pii={"email": "EMAIL", "zip": "ZIP"}, event_time="ts"
    )
    result = run_job(config)
    _, staged = read_staged_csv(find_manifest(tmp_path / "out"))
    assert staged[0] == {
        "email": hash_value("A@Example.com", "EMAIL", "US"),
        "zip": hash_value("75236", "ZIP", "US"),
        "ts": "2020-04-01T20:50:00Z",
        "qty": "1",
    }
    assert staged[1]["email"] == "" and staged[1]["zip"] == ""  # 2134 is not a 5-digit US zip
    assert staged[1]["ts"] == "1970-01-01T00:00:00Z"
    columns = result.report.normalization["columns"]
    assert columns["email"]["null"] == 1 and columns["email"]["invalid"] == 1


def test_parquet_binary_cells(tmp_path: Path) -> None:
    """A binary cell is UTF-8 text: hashed as its text in a PII column; not UTF-8: invalid
    (`text.invalid_unicode`) in a PII column, U+FFFD per invalid sequence in a plain one."""
    src = tmp_path / "binary.parquet"
    emails = [b"Ann@Example.com", b"bad\xff@example.com"]
    notes = [b"caf\xc3\xa9", b"x\xe2\x82y"]
    pq.write_table(
        pa.table({"email": pa.array(emails, pa.binary()), "note": pa.array(notes, pa.binary())}), src
    )
    result = run_job(_config(tmp_path, [str(src)], pii={"email": "EMAIL"}))
    _, rows = read_staged_csv(find_manifest(tmp_path / "out"))
    assert rows == [
        {"email": hash_value("Ann@Example.com", "EMAIL", "US"), "note": "caf\u00e9"},
        {"email": "", "note": "x\ufffdy"},
    ]
    email = result.report.normalization["columns"]["email"]
    assert email["ok"] == 1 and email["invalid_by_reason"] == {"text.invalid_unicode": 1}


def test_csv_options_delimiter_bom_and_latin1(tmp_path: Path) -> None:
    src = tmp_path / "semi.csv"
    src.write_bytes("\ufeffname;city\nMüller;Köln\n".encode("utf-8"))
    result = run_job(
        _config(tmp_path, [str(src)], pii={"name": "LAST_NAME", "city": "CITY"}, csv={"delimiter": ";"})
    )
    _, staged = read_staged_csv(find_manifest(tmp_path / "out"))
    expected = {"name": hash_value("Müller", "LAST_NAME", "US"), "city": hash_value("Köln", "CITY", "US")}
    assert staged == [expected]
    assert result.report.rows_out == 1

    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nMüller\n".encode("latin-1"))
    out2 = tmp_path / "out2"
    run_job(
        _config(
            tmp_path, [str(latin)], pii={"name": "LAST_NAME"}, csv={"encoding": "latin-1"}, output=str(out2)
        )
    )
    _, staged2 = read_staged_csv(find_manifest(out2))
    assert staged2 == [{"name": hash_value("Müller", "LAST_NAME", "US")}]


def test_quoting_and_values_that_need_it(tmp_path: Path) -> None:
    src = tmp_path / "q.csv"
    src.write_text('note,email\n"a, ""quoted""\nline",x@y.com\n', encoding="utf-8")
    run_job(_config(tmp_path, [str(src)], pii={"email": "EMAIL"}))
    _, staged = read_staged_csv(find_manifest(tmp_path / "out"))
    assert staged == [{"note": 'a, "quoted"\nline', "email": hash_value("x@y.com", "EMAIL", "US")}]


def test_timestamp_failures_within_allowed_share_drop_rows(tmp_path: Path) -> None:
    rows = [{"ts": "2020-01-01T00:00:00Z", "v": str(i)} for i in range(9)] + [{"ts": "garbage", "v": "9"}]
    src = write_csv(tmp_path / "t.csv", rows)
    with pytest.raises(DataQualityError, match=r"'ts': 1 of 10 rows .* first at .*t\.csv, line 11"):
        run_job(_config(tmp_path, [str(src)], event_time="ts"))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.*"))
    result = run_job(_config(tmp_path, [str(src)], event_time="ts", max_timestamp_failure_share=0.1))
    assert result.report.rows_out == 9 and result.report.timestamp_failures == {"ts": 1}


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(50)))
    config = JobConfig.from_mapping(
        {"inputs": [str(src)], "dataset_id": "d", "country_code": "US", "pii": PII_SPEC, "dry_run": True}
    )
    events: list[JobProgress] = []
    result = run_job(config, progress=events.append)
    assert result.instances == [] and result.report.rows_out == 50 and result.report.partitions == 1
    assert result.report.dry_run
    assert {e.phase for e in events} >= {"validate", "transform"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_rerun_same_job_id_reuses_staging(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(30)))
    config = _config(tmp_path, [str(src)], pii=PII_SPEC, job_id="job-fixed-1")
    first = run_job(config)
    manifest = find_manifest(tmp_path / "out")
    stamp = manifest.stat().st_mtime_ns
    second = run_job(config)
    assert second.instances[0].reused_staging and not first.instances[0].reused_staging
    assert manifest.stat().st_mtime_ns == stamp
    assert second.report.rows_out == first.report.rows_out == 30


def test_upload_needs_s3_output(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", [{"a": "1"}])
    with pytest.raises(JobConfigError, match="s3://"):
        run_job(_config(tmp_path, [str(src)], stage_only=False))


def test_s3_input_and_output_two_instances(
    s3: Any, moto_endpoint: str, tmp_path: Path, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the configured endpoint leads to moto: inputs and output both have to honour it.
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    bucket = f"job-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    rows = list(synthetic_rows(500, seed=11))
    src = write_csv(tmp_path / "in.csv", rows)
    s3.put_object(Bucket=bucket, Key="input/part1.csv.gz", Body=gzip.compress(src.read_bytes()))
    config = _config(
        tmp_path,
        [f"s3://{bucket}/input/*.csv.gz"],
        pii=PII_SPEC,
        output=f"s3://{bucket}/stage",
        s3_endpoint_url=moto_endpoint,
        instances=["amcsandbox01", "amcsandbox02"],
        partition_cap_bytes=20_000,
    )
    result = run_job(config)
    assert [i.instance_id for i in result.instances] == ["amcsandbox01", "amcsandbox02"]
    for item in result.instances:
        record = item.record
        assert record is not None and record.bucket == bucket and record.rows == 500
        manifest = s3.get_object(Bucket=bucket, Key=record.manifest_key)["Body"].read().decode()
        uris = manifest.split("\n")
        assert uris == [p.uri for p in record.partitions] and len(uris) > 1
        for uri in [*uris, f"s3://{bucket}/{record.manifest_key}"]:
            key = uri.removeprefix(f"s3://{bucket}/")
            assert key.startswith(f"stage/amc/ds_test/{result.job_id}/{item.instance_id}/")
            tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
            assert tags == [{"Key": "instanceId", "Value": item.instance_id}]
        body = b"".join(
            gzip.decompress(
                s3.get_object(Bucket=bucket, Key=u.removeprefix(f"s3://{bucket}/"))["Body"].read()
            )
            for u in uris
        )
        assert body.count(b"\n") == 500 + len(uris)  # one header per partition


def test_format_detected_from_content(tmp_path: Path) -> None:
    rows = [{"email": "a@b.com", "n": "1"}, {"email": "c@d.org", "n": "2"}]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export_0001").write_bytes(
        gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    )
    (tmp_path / "in" / "_SUCCESS").write_text("")  # hidden marker files are skipped
    result = run_job(_config(tmp_path, [str(tmp_path / "in")], pii={"email": "EMAIL"}))
    assert result.report.input_format == "JSONL" and result.report.rows_out == 2
    staged = read_staged_jsonl(find_manifest(tmp_path / "out"))
    assert [r["n"] for r in staged] == ["1", "2"]

    csv_no_ext = tmp_path / "plain"
    csv_no_ext.write_text("email,n\na@b.com,1\n")
    out2 = tmp_path / "out2"
    result2 = run_job(_config(tmp_path, [str(csv_no_ext)], pii={"email": "EMAIL"}, output=str(out2)))
    assert result2.report.input_format == "CSV" and result2.report.file_format == "CSV"
