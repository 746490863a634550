from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from amc_uploader.job import convert_date, convert_timestamp


@pytest.mark.parametrize(
    ("raw", "timestamp", "day"),
    [
        ("2020-04-01T20:50:00Z", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("2020-04-01 20:50:00", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("2020-04-01T20:50:00+02:00", "2020-04-01T18:50:00Z", "2020-04-01"),
        ("2020-04-01T22:50:00-05:00", "2020-04-02T03:50:00Z", "2020-04-02"),
        ("2020-04-01T20:50:00.123Z", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("2020-04-01T20:50:00.123456789Z", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("20200401T205000Z", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("2020-04-01", "2020-04-01T00:00:00Z", "2020-04-01"),
        ("4/1/20 20:50", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("12/31/99 9:05", "1999-12-31T09:05:00Z", "1999-12-31"),
        ("4/1/2020 8:05 PM", "2020-04-01T20:05:00Z", "2020-04-01"),
        ("4/1/2020", "2020-04-01T00:00:00Z", "2020-04-01"),
        ("  2020-04-01T20:50:00Z ", "2020-04-01T20:50:00Z", "2020-04-01"),
        ("not a date", None, None),
        ("2020-13-01", None, None),
        ("31/12/2020 10:00", None, None),
        ("", None, None),
    ],
)
def test_conversion_table(raw: str, timestamp: str | None, day: str | None) -> None:
    assert convert_timestamp(raw) == timestamp
    assert convert_date(raw) == day


def test_typed_values() -> None:
    tz = timezone(timedelta(hours=2))
    assert convert_timestamp(datetime(2020, 4, 1, 20, 50, tzinfo=tz)) == "2020-04-01T18:50:00Z"
    assert convert_timestamp(datetime(2020, 4, 1, 20, 50)) == "2020-04-01T20:50:00Z"
    assert convert_timestamp(date(2020, 4, 1)) == "2020-04-01T00:00:00Z"
    assert convert_date(datetime(2020, 4, 1, 23, 0, tzinfo=UTC)) == "2020-04-01"
    assert convert_timestamp(12345) is None


@pytest.mark.parametrize(
    ("raw", "timestamp", "day"),
    [
        # UTC instant before year 1 or after year 9999: unparseable, never OverflowError (issue 12).
        ("0001-01-01T00:00:00+05:00", None, None),
        ("0001-01-01T04:59:59+05:00", None, None),
        ("9999-12-31T23:00:00-05:00", None, None),
        ("9999-12-31T23:59:59.999999-00:01", None, None),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), None, None),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), None, None),
        # At the edges, in range: four-digit years (strftime would write year 1 as "1").
        ("0001-01-01T05:00:00+05:00", "0001-01-01T00:00:00Z", "0001-01-01"),
        ("0001-01-01T00:00:00-05:00", "0001-01-01T05:00:00Z", "0001-01-01"),
        ("0001-01-01 00:00:00", "0001-01-01T00:00:00Z", "0001-01-01"),
        ("0001-01-01", "0001-01-01T00:00:00Z", "0001-01-01"),
        ("0099-06-01T12:00:00Z", "0099-06-01T12:00:00Z", "0099-06-01"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", "9999-12-31"),
        ("9999-12-31T23:00:00+05:00", "9999-12-31T18:00:00Z", "9999-12-31"),
        (date(1, 1, 1), "0001-01-01T00:00:00Z", "0001-01-01"),
        (datetime(1, 1, 1), "0001-01-01T00:00:00Z", "0001-01-01"),
        # Odd forms: unparseable.
        ("0000-01-01", None, None),
        ("10000-01-01T00:00:00Z", None, None),
        ("+2020-01-01", None, None),
        ("-0001-01-01", None, None),
        ("2020-01-01T00:00:00+24:00", None, None),
        ("2020-02-30T00:00:00Z", None, None),
        ("2020-01-01T25:00:00Z", None, None),
        ("1/1/0 0:00", None, None),
        ("2020-01-01T00:00:00\ud800", None, None),
        ("\x00", None, None),
        ("9" * 40, None, None),
        (True, None, None),
        (1_700_000_000, None, None),
        ({"ts": "2020-01-01"}, None, None),
    ],
)
def test_edge_table(raw: object, timestamp: str | None, day: str | None) -> None:
    assert convert_timestamp(raw) == timestamp
    assert convert_date(raw) == day


def test_job_counts_out_of_range_timestamps(tmp_path: Path) -> None:
    from amc_uploader.job import DataQualityError, JobConfig, run_job

    src = tmp_path / "in.csv"
    src.write_text(
        "id,email,ts\n1,a@b.com,2020-01-01T00:00:00Z\n2,c@d.com,0001-01-01T00:00:00+05:00\n"
        "3,e@f.com,9999-12-31T23:00:00-05:00\n4,g@h.com,2020-01-02 00:00:00\n"
    )
    base = {
        "inputs": [str(src)],
        "dataset_id": "ds",
        "instances": ["amcsandbox01"],
        "pii": {"email": "EMAIL"},
        "country_code": "US",
        "event_time": "ts",
        "dry_run": True,
    }
    with pytest.raises(DataQualityError, match=r"'ts': 2 of 4 rows"):
        run_job(JobConfig.from_mapping(base))
    result = run_job(JobConfig.from_mapping({**base, "max_timestamp_failure_share": 0.5}))
    assert result.report.timestamp_failures == {"ts": 2}
    assert result.report.rows_out == 2
