"""The country column in the job configuration, the CLI (`run`, `normalize`, `inspect`) and the dataset
declaration: staged codes, per-row hashes, the hint, configuration errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amc_client import build_dataset
from amc_normalize import hash_value
from amc_uploader.cli import app
from amc_uploader.job import JobConfig, JobConfigError
from amc_uploader.job.countries import dataset_columns
from amc_uploader.job.plan import build_plan
from tests.job.helpers import find_manifest, read_staged_jsonl, write_jsonl

ROWS: list[dict[str, Any]] = [
    {"id": "1", "first_name": "Jürgen", "phone": "015112345678", "zip": "10115", "country": "Deutschland"},
    {"id": "2", "first_name": "Ann", "phone": "5714120599", "zip": "75236", "country": " us "},
    {"id": "3", "first_name": "Bob", "phone": "5714120599", "zip": "75236", "country": ""},
    {"id": "4", "first_name": "Eve", "phone": "02071234567", "zip": "SW1A 1AA", "country": "UK"},
    {"id": "5", "first_name": "Zed", "phone": "5714120599", "zip": "75236", "country": "Atlantis"},
]
CODES = {"1": "DE", "2": "US", "3": "US", "4": "GB", "5": None}
PII = {"first_name": "FIRST_NAME", "phone": "PHONE", "zip": "ZIP"}


def _pii_args() -> list[str]:
    return [arg for column, t in PII.items() for arg in ("--pii", f"{column}={t}")]


def test_contract_command_stages_codes_and_per_row_hashes(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country-column", "country", "--country", "US", *_pii_args()],
            *["--format", "jsonl", "--engine", "local", "--stage-only", "--output", str(out)],
            *["--dataset-id", "mixed", "--instance", "amc1", "--report", str(tmp_path / "r.json")],
            *[
                "--missing-consent",
                "keep",
            ],  # no consent column: EEA/UK rows are kept (consent tests elsewhere)
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    staged = {r["id"]: r for r in read_staged_jsonl(find_manifest(out))}
    for row in ROWS:
        got, code = staged[row["id"]], CODES[row["id"]]
        assert got["country"] == code
        assert got["first_name"] == hash_value(row["first_name"], "FIRST_NAME", "US")
        if code is not None:
            assert got["phone"] == hash_value(row["phone"], "PHONE", code)
            assert got["zip"] == hash_value(row["zip"], "ZIP", code)
    assert staged["5"]["phone"] is None and staged["5"]["zip"] is None
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["country_column"] == "country" and report["country_code"] == "US"
    countries = report["normalization"]["countries"]
    assert {k: v["rows"] for k, v in countries.items()} == {"DE": 1, "GB": 1, "US": 2, "unknown": 1}
    assert countries["unknown"]["reason"] == "country.unknown"
    assert countries["unknown"]["columns"]["zip"]["invalid_by_reason"] == {"country.unknown": 1}
    assert "Per country" in outcome.stdout
    assert "hint:" not in outcome.output
    record = json.loads(next(out.rglob("job.json")).read_text())
    assert record["country_code"] == "US"  # the upload's countryCode: the default


def test_run_hints_at_a_country_column(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    outcome = CliRunner().invoke(
        app, ["run", "--input", str(src), "--country", "US", *_pii_args(), "--dataset-id", "d", "--dry-run"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "add --country-column country" in outcome.output


def test_no_default_and_no_upload_country(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country-column", "country", *_pii_args(), "--json"],
            *[
                "--format",
                "jsonl",
                "--stage-only",
                "--output",
                str(out),
                "--dataset-id",
                "d",
                "--instance",
                "a",
            ],
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    staged = {r["id"]: r for r in read_staged_jsonl(find_manifest(out))}
    assert staged["3"]["country"] is None and staged["3"]["zip"] is None
    assert json.loads(next(out.rglob("job.json")).read_text())["country_code"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pii": {**PII, "country": "CITY"}}, "cannot be a PII column"),
        ({"drop": ["country"]}, "is dropped"),
        ({"column_types": {"country": "INTEGER"}}, "must be STRING"),
        ({"country_column": None, "country_code": None}, "country_code or a country_column"),
    ],
)
def test_config_rejects(change: dict[str, Any], message: str) -> None:
    data = {"inputs": ["x"], "pii": PII, "country_column": "country", "dataset_id": "d", "dry_run": True}
    with pytest.raises(JobConfigError, match=message):
        JobConfig.from_mapping({**data, **change})


def test_dataset_declares_the_country_column_unhashed(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    config = JobConfig(inputs=[str(src)], pii=PII, country_column="country", dataset_id="d", dry_run=True)
    dataset = build_dataset("dd", dataset_columns(build_plan(config, "j")), country_code="US")
    wire = {c["name"]: c for c in dataset.to_request()["columns"]}
    assert wire["country"]["isCountryCode"] is True
    assert "externalUserIdType" not in wire["country"] and wire["country"]["dataType"] == "STRING"
    assert wire["zip"]["externalUserIdType"] == {"hashedPii": "ZIP"}


def test_normalize_and_inspect_take_a_country_column(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    dest, report = tmp_path / "out.jsonl", tmp_path / "r.json"
    outcome = CliRunner().invoke(
        app,
        [
            "normalize",
            *["--missing-consent", "keep"],
            str(src),
            str(dest),
            "--country-column",
            "country",
            *_pii_args(),
            "--report",
            str(report),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [r["country"] for r in lines] == [CODES[r["id"]] if r["id"] != "3" else None for r in ROWS]
    data = json.loads(report.read_text())
    assert data["country_column"] == "country" and data["countries"]["unknown"]["rows"] == 2

    inspected = CliRunner().invoke(
        app, ["inspect", str(src), "--country-column", "country", "--country", "US", "--json"]
    )
    assert inspected.exit_code == 0, inspected.output
    columns = {c["column"]: c for c in json.loads(inspected.stdout)["columns"]}
    assert columns["country"]["suggested_pii_type"] is None
    assert columns["first_name"]["suggested_pii_type"] == "FIRST_NAME"
    plain = CliRunner().invoke(app, ["inspect", str(src), "--country", "US"])
    assert "--country-column country" in plain.stdout


def test_consent_policy_follows_each_rows_country(tmp_path: Path) -> None:
    """No consent column, default policy: the rows whose own country is in the EEA/UK are left out."""
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country-column", "country", "--country", "US", *_pii_args()],
            *[
                "--format",
                "jsonl",
                "--stage-only",
                "--output",
                str(out),
                "--dataset-id",
                "d",
                "--instance",
                "a",
            ],
            *["--report", str(tmp_path / "r.json")],
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    staged = {r["id"] for r in read_staged_jsonl(find_manifest(out))}
    assert staged == {"2", "3", "5"}  # DE and GB rows dropped, US and unknown kept
    countries = json.loads((tmp_path / "r.json").read_text())["normalization"]["countries"]
    assert set(countries) == {"US", "unknown"}


def test_single_country_report_flags_columns_that_look_like_another_country(tmp_path: Path) -> None:
    from amc_uploader.job import run_job

    de = [{"email": f"a{i}@x.com", "phone": f"+49 30 123456{i % 10}", "country": "DE"} for i in range(30)]
    us = [{"email": f"b{i}@x.com", "phone": f"(571) 412-05{10 + i}", "country": "US"} for i in range(10)]
    rows = de + us
    src = write_jsonl(tmp_path / "mixed.jsonl", rows)
    pii = {"email": "EMAIL", "phone": "PHONE"}
    single = run_job(JobConfig(inputs=[str(src)], pii=pii, country_code="US", dataset_id="d", dry_run=True))
    assert single.report.country_mismatch == [
        {"column": "phone", "country": "DE", "share": 0.75, "sampled_rows": 40}
    ]
    per_row = run_job(
        JobConfig(
            inputs=[str(src)],
            pii=pii,
            country_code="US",
            country_column="country",
            dataset_id="d",
            dry_run=True,
            missing_consent="keep",
        )
    )
    assert per_row.report.country_mismatch == []


def test_contract_command_needs_no_amc_ids_to_stage(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "mixed.jsonl", ROWS)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "--input", str(src), "--country-column", "country", "--country", "US", *_pii_args()],
            *["--format", "jsonl", "--engine", "local", "--stage-only", "--output", str(out)],
            *["--missing-consent", "keep"],
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    manifest = find_manifest(out)
    assert manifest.parent.parent.parent.name == "staged"  # amc/<dataset>/<job>/<instance>/
    assert manifest.parent.name == "staged"
    assert {r["id"]: r["country"] for r in read_staged_jsonl(manifest)} == CODES
