from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amc_uploader.job import convert_date, convert_timestamp
from amc_uploader.job.timestamps import batch_converter, parse_datetime


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


_SHAPES = st.text(alphabet="0123456789 -T:Z+./\n٣", min_size=0, max_size=22)
_NAIVE = st.builds(
    lambda y, mo, d, sep, h, mi, s: f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from([" ", "T"]),
    st.integers(0, 25),
    st.integers(0, 60),
    st.integers(0, 61),
)


_SLASHED = st.builds(
    lambda m, d, y, h, mi, s, wide: (
        f"{m}/{d}/{y:04d} {h}:{mi:02d}" if wide else f"{m}/{d}/{y % 100:02d} {h}:{mi:02d}:{s:02d}"
    ),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 9999),
    st.integers(0, 25),
    st.integers(0, 60),
    st.integers(0, 61),
    st.booleans(),
)
_AMC = _NAIVE.map(lambda v: v[:10] + "T" + v[11:] + "Z")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_NAIVE, _AMC, _SLASHED, _SHAPES, st.none()), max_size=12), st.booleans())
def test_batch_conversion_is_the_value_conversion(values: list[str | None], naive_only: bool) -> None:
    """`batch_converter` gives, for every batch, what the per-value converter gives for each value: on
    batches of the plain naive shape (its one-regex path) and on mixed ones (value by value)."""
    if naive_only:
        values = [v for v in values if v is not None and len(v) == 19 and v[10] in " T"]
    for convert in (convert_timestamp, convert_date):
        expected = [None if v is None else convert(v) for v in values]
        assert batch_converter(convert)(values) == expected


def test_batch_conversion_of_a_plain_column() -> None:
    values = [f"2024-{m:02d}-{d:02d} {d:02d}:{m:02d}:59" for m in range(1, 13) for d in range(1, 29)]
    assert batch_converter(convert_timestamp)(values) == [convert_timestamp(v) for v in values]
    assert batch_converter(convert_timestamp)(["2024-02-30 10:00:00", *values])[0] is None


def test_batches_leave_the_process_wide_cache_alone() -> None:
    """A batch memoizes its own repeated texts; `parse_datetime`'s cache would keep every batch's cells
    alive in a long-running worker."""
    parse_datetime.cache_clear()
    values = ["4/1/20 20:50", "4/1/20 20:50", "2020-04-01T20:50:00+02:00", None, "x"]
    assert batch_converter(convert_timestamp)(values) == [convert_timestamp(v) for v in values]
    assert batch_converter(convert_date)(values) == [None if v is None else convert_date(v) for v in values]
    parse_datetime.cache_clear()
    batch_converter(convert_timestamp)(values)
    batch_converter(convert_date)(values)
    assert parse_datetime.cache_info().currsize == 0
