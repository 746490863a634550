"""Spark in its own process, where a test must see what the JVM prints or choose the executors' Python:
the JVM's stderr quotes no value of a malformed file; the adapter works in a plain session whose
executors cannot import the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]

_MALFORMED_JOBS = """
import json, sys
from amc_uploader.job import JobConfig, JobError, run_job
from amc_uploader.job.spark_engine import build_spark_session

spark = build_spark_session(master="local[2]")
for source, out in zip(sys.argv[1::2], sys.argv[2::2]):
    config = JobConfig.from_mapping({
        "inputs": [source], "dataset_id": "d", "country_code": "US", "pii": {"email": "EMAIL"},
        "instances": ["i"], "output": out, "stage_only": True, "engine": "spark",
    })
    try:
        run_job(config, spark=spark)
        print(json.dumps({"error": None}))
    except JobError as exc:
        print(json.dumps({"error": str(exc)}))
spark.stop()
"""


def _env(**more: str) -> dict[str, str]:
    paths = [str(ROOT / "src"), str(ROOT)]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "SPARK_LOCAL_IP": "127.0.0.1",
        **more,
    }


def test_spark_stderr_quotes_no_value(tmp_path: Path) -> None:
    """A ragged CSV row and a JSON line that is an array make Spark's tasks fail on the record; Spark logs
    such failures with the record and a Java stack trace. Nothing of it may reach the user."""
    secrets = ["leak.me@example.com", "5550001234567", "hidden.value@example.org"]
    good = "".join(f"{i},user{i}@example.com\n" for i in range(50))
    csv_file = tmp_path / "ragged.csv"
    csv_file.write_text(f"id,email\n{good}7,{secrets[0]},{secrets[1]}\n")
    jsonl = tmp_path / "array.jsonl"
    lines = [json.dumps({"id": str(i), "email": f"user{i}@example.com"}) for i in range(50)]
    jsonl.write_text("\n".join([*lines, json.dumps([secrets[2], secrets[1]])]) + "\n")
    args = [str(csv_file), str(tmp_path / "out1"), str(jsonl), str(tmp_path / "out2")]
    done = subprocess.run(
        [sys.executable, "-c", _MALFORMED_JOBS, *args],
        env=_env(PYSPARK_PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    errors = [json.loads(line)["error"] for line in done.stdout.splitlines() if line.startswith("{")]
    assert errors[0] is not None and "ragged.csv:52: row has 3 fields" in errors[0]
    assert errors[1] is not None and "array.jsonl:51: JSON line is an array" in errors[1]
    printed = done.stdout + done.stderr
    assert [s for s in secrets if s in printed] == []
    assert "\tat org." not in printed and "Malformed records" not in printed
    for out in ("out1", "out2"):
        assert not [p for p in (tmp_path / out).rglob("*") if p.is_file()]


_PLAIN_SESSION = """
import json, os, sys
from pyspark.sql import SparkSession
from amc_normalize import hash_value
from amc_normalize.spark import hash_pii_columns

spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    .getOrCreate()
)
rows = [
    ("Jane.Doe@Example.com", "+1 (571) 412-0599", "123 North Main Street"),
    ("ünï@exämple.de", None, "5 W 3rd Ave"),
]
df = spark.createDataFrame(rows, "email string, phone string, address string")
spec = {"email": "EMAIL", "phone": "PHONE", "address": "ADDRESS"}
out = df.transform(hash_pii_columns(spec, "US")).collect()
expected = [[hash_value(v, spec[c], "US") for c, v in zip(spec, row)] for row in rows]
print(json.dumps({"same": [list(r) for r in out] == expected}))
spark.stop()
"""


def _python_without_the_project(tmp_path: Path) -> Path:
    """An interpreter for the executors that has pandas, pyarrow and pyspark but cannot import
    amc_normalize or phonenumbers: the venv's Python without `site` (no .pth files, so no editable
    install), with a copy of the venv's site-packages stripped of the project's packages."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    bare = tmp_path / "site"
    bare.mkdir()
    hidden = ("amc_", "phonenumbers", "__editable__", "_amc")
    for entry in site_packages.iterdir():
        if entry.suffix == ".pth" or entry.name.startswith(hidden):
            continue
        (bare / entry.name).symlink_to(entry)
    wrapper = tmp_path / "python-without-project"
    # The workers get Spark's own PYTHONPATH (pyspark.zip, py4j); the driver's entries (this checkout)
    # are left out, so only what the adapter ships can provide the package.
    wrapper.write_text(
        "#!/bin/sh\n"
        'kept=$(printf %s "$PYTHONPATH" | tr ":" "\\n" | grep -E "\\.zip$" | tr "\\n" ":")\n'
        f'PYTHONPATH="$kept{bare}" exec {sys.executable} -S "$@"\n'
    )
    wrapper.chmod(0o755)
    probe = subprocess.run(
        [
            str(wrapper),
            "-c",
            "import pandas, pyarrow\ntry:\n import amc_normalize\nexcept ImportError: print('hidden')",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.strip() == "hidden", probe.stderr
    return wrapper


def test_adapter_in_a_plain_session_ships_the_package(tmp_path: Path) -> None:
    """Issue 14: `hash_pii_columns` in a plain pyspark session whose executors' Python cannot import
    amc_normalize (nor phonenumbers) hashes exactly like `hash_value`."""
    wrapper = _python_without_the_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _PLAIN_SESSION],
        env=_env(PYSPARK_PYTHON=str(wrapper), PYSPARK_DRIVER_PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"same": True}
