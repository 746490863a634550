"""The Glue script under a real `spark-submit --master local[2]`: config JSON in (moto) S3, staged output
in S3 through the staging writer; argument errors exit 2."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.fixtures.paths import REPO_ROOT
from tests.job.helpers import write_csv

pytestmark = [pytest.mark.spark, pytest.mark.timeout(400)]

SCRIPT = REPO_ROOT / "glue_entry" / "amc_transformations.py"
SPARK_SUBMIT = Path(sys.executable).parent / "spark-submit"


def _submit(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        **env,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    command = [
        str(SPARK_SUBMIT),
        "--master",
        "local[2]",
        "--conf",
        "spark.ui.enabled=false",
        str(SCRIPT),
        *args,
    ]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=360, check=False)


def test_glue_script_config_in_s3_stages_to_s3(aws_env: dict[str, str], s3: Any, tmp_path: Path) -> None:
    bucket = f"glue-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    src = write_csv(tmp_path / "customers.csv", list(synthetic_rows(1500, seed=8)))
    job = {
        "job_id": "glue-run-1",
        "inputs": [str(src)],
        "dataset_id": "glue_ds",
        "country_code": "IT",
        "missing_consent": "keep",
        "pii": PII_SPEC,
        "event_time": "purchase_ts",
        "instances": ["amcsandbox01", "amcsandbox02"],
        "output": f"s3://{bucket}/staging",
        "partition_cap_bytes": 30_000,
        "stage_only": True,
    }
    s3.put_object(Bucket=bucket, Key="configs/job-config.json", Body=json.dumps(job).encode())
    done = _submit(["--config_uri", f"s3://{bucket}/configs/job-config.json"], aws_env)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"job_done"')]
    assert len(lines) == 1, done.stdout[-2000:]
    summary = json.loads(lines[0])["job_done"]
    assert summary["job_id"] == "glue-run-1" and summary["rows_out"] == 1500 and summary["upload_ids"] == {}
    for instance in job["instances"]:
        prefix = f"staging/amc/glue_ds/glue-run-1/{instance}/"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
        manifest = (
            s3.get_object(Bucket=bucket, Key=prefix + "manifest.txt")["Body"].read().decode().split("\n")
        )
        data_keys = sorted(k for k in keys if k.endswith(".csv.gz"))
        assert sorted(u.removeprefix(f"s3://{bucket}/") for u in manifest) == data_keys
        assert len(data_keys) > 2
        rows = 0
        for key in data_keys:
            head = s3.head_object(Bucket=bucket, Key=key)
            assert head["ContentLength"] <= 30_000
            tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
            assert tags == [{"Key": "instanceId", "Value": instance}]
            body = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode().splitlines()
            assert (
                body[0]
                == "customer_id,first_name,last_name,email,phone,address,city,state,zip,purchase_ts,amount"
            )
            rows += len(body) - 1
        assert rows == 1500
        record = json.loads(s3.get_object(Bucket=bucket, Key=prefix + "job.json")["Body"].read())
        assert record["rows"] == 1500 and record["country_code"] == "IT"


def test_glue_script_reads_s3_inputs_by_ranges(aws_env: dict[str, str], s3: Any, tmp_path: Path) -> None:
    """`s3://` CSV inputs as Glue reads them: quote-free objects are scanned a block per task and read
    in ranges of lines with ranged GETs (two files of two blocks each here); the staged lines equal the
    local engine's, in input order."""
    from amc_uploader.job import JobConfig, run_job
    from tests.job.helpers import manifest_files

    bucket = f"glue-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    rows = list(synthetic_rows(70_000, seed=9))
    files = [write_csv(tmp_path / "a.csv", rows[:35_000]), write_csv(tmp_path / "b.csv", rows[35_000:])]
    for f in files:
        assert b'"' not in f.read_bytes() and f.stat().st_size > 4 << 20
        s3.put_object(Bucket=bucket, Key=f"in/{f.name}", Body=f.read_bytes())
    common: dict[str, Any] = {
        "dataset_id": "glue_ds",
        "country_code": "US",
        "pii": PII_SPEC,
        "event_time": "purchase_ts",
        "instances": ["amcsandbox01"],
        "stage_only": True,
    }
    job = {**common, "job_id": "s3-in", "inputs": [f"s3://{bucket}/in/*.csv"], "output": f"s3://{bucket}/out"}
    s3.put_object(Bucket=bucket, Key="configs/job.json", Body=json.dumps(job).encode())
    done = _submit(["--config_uri", f"s3://{bucket}/configs/job.json"], aws_env)
    assert done.returncode == 0, done.stderr[-3000:]
    prefix = "out/amc/glue_ds/s3-in/amcsandbox01/"
    manifest = s3.get_object(Bucket=bucket, Key=prefix + "manifest.txt")["Body"].read().decode().split()
    staged: list[bytes] = []
    for uri in manifest:
        body = s3.get_object(Bucket=bucket, Key=uri.removeprefix(f"s3://{bucket}/"))["Body"].read()
        staged += gzip.decompress(body).splitlines()[1:]
    local = JobConfig.from_mapping(
        {**common, "inputs": [str(f) for f in files], "output": str(tmp_path / "local")}
    )
    run_job(local)
    expected = [
        line
        for part in manifest_files(next((tmp_path / "local").rglob("manifest.txt")))
        for line in gzip.decompress(part.read_bytes()).splitlines()[1:]
    ]
    assert len(staged) == 70_000 and staged == expected


def test_glue_script_flags_and_argument_errors(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(200, seed=2)))
    out = tmp_path / "out"
    common = ["--inputs", str(src), "--dataset_id", "flags_ds", "--country_code", "US", "--instances", "i1"]
    bad = _submit([*common, "--pii", "email=SSN", "--output", str(out), "--stage_only", "true"], {})
    assert bad.returncode == 2 and "unknown PII type" in bad.stdout + bad.stderr
    missing = _submit([*common, "--pii", "mail=EMAIL", "--output", str(out), "--stage_only", "true"], {})
    assert missing.returncode == 1 and "'mail'" in missing.stdout + missing.stderr
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
