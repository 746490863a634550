"""`amc-uploader run` without AMC: dry run, stage-only, config file plus flag overrides, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amc_uploader.cli import app
from amc_uploader.job.synthetic import synthetic_rows
from tests.job.helpers import find_manifest, read_staged_jsonl, write_csv


def test_dry_run_prints_report_and_writes_nothing(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(100)))
    report = tmp_path / "r.json"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country", "US", "--pii", "email=EMAIL", "--pii", "phone=phone"],
            *["--dataset-id", "d1", "--dry-run", "--report", str(report)],
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "rows out" in outcome.stdout and "dry run" in outcome.stdout
    assert "EMAIL" in outcome.stdout and "PHONE" in outcome.stdout
    data = json.loads(report.read_text())
    assert data["rows_out"] == 100 and data["pii_columns"] == {"email": "EMAIL", "phone": "PHONE"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "r.json"]


def test_config_file_with_flag_overrides_stage_only(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(40)))
    job = tmp_path / "job.toml"
    job.write_text(
        f"""
inputs = ["{src}"]
dataset_id = "from_file"
country_code = "US"
instances = ["amcsandbox01"]
output = "{tmp_path / "ignored"}"
[pii]
email = "EMAIL"
"""
    )
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--config", str(job), "--output", str(out), "--format", "jsonl", "--drop", "amount"],
            *["--stage-only", "--event-time", "purchase_ts", "--json"],
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert result["instances"][0]["upload_id"] is None
    assert result["instances"][0]["manifest_uri"].startswith(f"file://{out}/amc/from_file/")
    rows = read_staged_jsonl(find_manifest(out))
    assert len(rows) == 40 and "amount" not in rows[0] and rows[0]["purchase_ts"].endswith("Z")
    assert not (tmp_path / "ignored").exists()


def test_errors_exit_non_zero_with_one_line(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", [{"a": "1"}])
    runner = CliRunner()
    missing = runner.invoke(
        app,
        [
            "run",
            "--input",
            str(src),
            "--country",
            "US",
            "--pii",
            "email=EMAIL",
            "--dataset-id",
            "d",
            "--dry-run",
        ],
    )
    assert missing.exit_code == 2
    assert "c.csv" in missing.output and "'email'" in missing.output
    bad_type = runner.invoke(
        app, ["run", "--input", str(src), "--pii", "a=SSN", "--dataset-id", "d", "--dry-run"]
    )
    assert bad_type.exit_code == 2 and "unknown PII type" in bad_type.output
    no_output = runner.invoke(app, ["run", "--input", str(src), "--dataset-id", "d", "--instance", "i"])
    assert no_output.exit_code == 2 and "output is required" in no_output.output


def test_upload_without_amc_credentials_fails_before_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str], s3: Any
) -> None:
    for name in ("AMC_CLIENT_ID", "AMC_CLIENT_SECRET", "AMC_REFRESH_TOKEN", "AMC_LWA_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    s3.create_bucket(Bucket="cli-no-creds")
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(20)))
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country", "US", "--pii", "email=EMAIL", "--dataset-id", "d"],
            *["--instance", "amcsandbox01", "--output", "s3://cli-no-creds/stage"],
        ],
    )
    assert outcome.exit_code == 1
    assert "AMC_CLIENT_ID" in outcome.output
    assert s3.list_objects_v2(Bucket="cli-no-creds").get("KeyCount") == 0


def test_an_error_is_one_line_even_when_stderr_is_no_terminal(tmp_path: Path) -> None:
    missing = tmp_path / ("a-long-folder-name-" * 8) / "customers [2024].csv"
    args = ["run", "--input", str(missing), "--country", "US", "--pii", "email=EMAIL", "--dataset-id", "d"]
    result = subprocess.run(
        [sys.executable, "-m", "amc_uploader", *args, "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {missing}: ")


def test_workers_option(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", list(synthetic_rows(300)))
    base = ["run", "--input", str(src), "--country", "US", "--pii", "email=EMAIL", "--dataset-id", "d1"]
    outcome = CliRunner().invoke(app, [*base, "--dry-run", "--workers", "2", "--json"])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["report"]["rows_out"] == 300
    refused = CliRunner().invoke(app, [*base, "--dry-run", "--workers", "0"])
    assert refused.exit_code == 2
