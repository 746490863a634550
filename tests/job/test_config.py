from __future__ import annotations

from pathlib import Path

import pytest

from amc_uploader.job import ColumnDataType, JobConfig, JobConfigError

BASE = {"inputs": ["x.csv"], "dataset_id": "ds", "instances": ["i1"], "output": "/tmp/out"}


def test_toml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text(
        """
inputs = ["data/*.csv"]
dataset_id = "purchases"
country_code = "us"
instances = ["amcsandbox01", "amcsandbox02"]
output = "s3://bucket/stage"
event_time = "ts"
drop = ["internal_id"]
file_format = "JSONL"
partition_cap_bytes = 100000

[csv]
delimiter = ";"
encoding = "latin-1"

[pii]
email = "email"
phone = "PHONE"

[column_types]
birthday = "DATE"
"""
    )
    config = JobConfig.load(path)
    assert config.country_code == "US"
    assert config.pii == {"email": "EMAIL", "phone": "PHONE"}
    assert config.csv.delimiter == ";"
    assert config.timestamp_columns == {"birthday": ColumnDataType.DATE, "ts": ColumnDataType.TIMESTAMP}
    assert config.referenced_columns == ["email", "phone", "internal_id", "birthday", "ts"]
    json_path = tmp_path / "job.json"
    json_path.write_text(config.model_dump_json())
    assert JobConfig.load(json_path) == config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dataset_type": "FACT"}, "FACT dataset needs a main event-time column"),
        ({"dataset_type": "DIMENSION", "event_time": "ts"}, "DIMENSION dataset has no main event-time"),
        ({"pii": {"email": "EMAIL"}}, "need a country_code"),
        ({"pii": {"email": "MAIL"}, "country_code": "US"}, "unknown PII type"),
        ({"pii": {"e": "EMAIL"}, "drop": ["e"], "country_code": "US"}, "both PII and dropped"),
        ({"pii": {"e": "EMAIL"}, "column_types": {"e": "LONG"}, "country_code": "US"}, "must be STRING"),
        ({"event_time": "ts", "column_types": {"ts": "STRING"}}, "must be TIMESTAMP or DATE"),
        ({"event_time": "ts", "drop": ["ts"]}, "is dropped"),
        ({"output": None}, "output is required"),
        ({"instances": []}, "at least one AMC instance"),
        ({"instances": ["a", "a"]}, "more than once"),
        ({"partition_cap_bytes": 2_000_000_000}, "partition_cap_bytes"),
        ({"update_strategy": "MERGE"}, "update_strategy"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"csv": {"encoding": "nope"}}, "unknown encoding"),
        ({"csv": {"header": False}}, "column_names is required"),
        ({"job_id": "../etc"}, "invalid job id"),
        ({"instances": ["a/b"]}, "invalid instance id"),
    ],
)
def test_invalid_configs(change: dict[str, object], message: str) -> None:
    with pytest.raises(JobConfigError, match=message):
        JobConfig.from_mapping({**BASE, **change})


def test_dry_run_needs_no_output_or_instance() -> None:
    config = JobConfig.from_mapping({"inputs": ["x.csv"], "dataset_id": "ds", "dry_run": True})
    assert config.output is None and config.instances == []


def test_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text("inputs = [")
    with pytest.raises(JobConfigError, match="not valid TOML"):
        JobConfig.load(path)
