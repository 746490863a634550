from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

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
