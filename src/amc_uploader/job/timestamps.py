"""TIMESTAMP and DATE conversion to AMC formats (spec amc-api.md C.4, D.2 step 4, issue #22).

TIMESTAMP -> ``yyyy-MM-ddTHH:mm:ssZ`` in UTC; DATE -> ``yyyy-MM-dd``. Accepted input: ISO 8601 with or
without an offset (``Z``, ``+02:00``), space or ``T`` separator, fractional seconds, basic format, and the
spreadsheet style ``M/d/yy H:mm`` (US month-first). Naive values are UTC. A value whose UTC instant
falls outside years 1-9999 (``0001-01-01T00:00:00+05:00``) is unparseable like any other bad value (the
caller counts it), never an ``OverflowError``. Years are always written with four digits. Both engines
call these functions (the Spark engine through a pandas UDF), so their output is identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

__all__ = ["batch_converter", "convert_date", "convert_timestamp", "failed_times", "parse_datetime"]

_SLASH_FORMATS = (
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y",
    "%m/%d/%Y",
)
# fromisoformat (3.11) accepts at most 6 fractional digits; AMC-style inputs may carry up to 9.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
# Already in AMC's format: only the calendar needs checking.
_AMC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# The spreadsheet style `M/d/yy H:mm` (and 4-digit years, seconds) without strptime's overhead;
# two-digit years pivot like strptime's %y (69-99 -> 19xx, 00-68 -> 20xx).
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}) +(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _slash_datetime(slash: re.Match[str]) -> datetime | None:
    month, day, year, hour, minute, second = slash.groups()
    y = int(year)
    if len(year) == 2:
        y += 1900 if y >= 69 else 2000
    try:
        return datetime(y, int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=UTC)
    except ValueError:
        return None


@lru_cache(maxsize=65_536)
def parse_datetime(text: str) -> datetime | date | None:
    """A date or an aware UTC datetime, or None when the text is not a supported format."""
    value = text.strip()
    if not value:
        return None
    slash = _SLASH.fullmatch(value)
    if slash is not None:
        return _slash_datetime(slash)
    if "/" in value:
        for fmt in _SLASH_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)  # naive means UTC (issue 4)
            except ValueError:
                continue
            return parsed.replace(tzinfo=UTC) if ("%H" in fmt or "%I" in fmt) else parsed.date()
        return None
    value = _LONG_FRACTION.sub(r"\1", value)
    if len(value) in (8, 10) and "T" not in value and ":" not in value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return _utc(parsed)


def _utc(parsed: datetime) -> datetime | None:
    """The aware UTC datetime, None when the offset moves it outside years 1-9999."""
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _as_datetime(value: Any, parse: Callable[[str], datetime | date | None]) -> datetime | date | None:
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse(value)
    return None


def _timestamp(value: Any, parse: Callable[[str], datetime | date | None]) -> str | None:
    if value.__class__ is str and _AMC_TIMESTAMP.fullmatch(value):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return None
        return value
    return _timestamp_text(_as_datetime(value, parse))


def _timestamp_text(parsed: datetime | date | None) -> str | None:
    if parsed is None:
        return None
    # Not strftime: its %Y writes year 1 as "1" on glibc.
    if not isinstance(parsed, datetime):
        return f"{parsed.isoformat()}T00:00:00Z"
    return f"{parsed.isoformat(timespec='seconds')[:19]}Z"


def _date(value: Any, parse: Callable[[str], datetime | date | None]) -> str | None:
    parsed = _as_datetime(value, parse)
    if parsed is None:
        return None
    return (parsed.date() if isinstance(parsed, datetime) else parsed).isoformat()


def convert_timestamp(value: Any) -> str | None:
    """AMC TIMESTAMP text, or None when the value cannot be parsed (the caller counts it)."""
    return _timestamp(value, parse_datetime)


def convert_date(value: Any) -> str | None:
    """AMC DATE text (a datetime is converted to UTC first), or None when unparseable."""
    return _date(value, parse_datetime)


# The most common shape of a naive timestamp column (ASCII digits only): `convert_timestamp` gives it back
# with `T` and `Z` once `fromisoformat` accepts its calendar.
_NAIVE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}")
_NAIVE_LINES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}\n)+")
_fromisoformat = datetime.fromisoformat
_parse = parse_datetime.__wrapped__
_UNSEEN = object()


def _batch(convert: Callable[[Any, Callable[[str], Any]], str | None]) -> Callable[[Any], str | None]:
    """`convert` for the values of one batch: repeated texts are parsed once (a memo that dies with the
    batch, not `parse_datetime`'s process-wide cache, whose keys would pin every batch's memory)."""
    memo: dict[str, str | None] = {}

    def one(value: Any) -> str | None:
        if value is None:
            return None
        if value.__class__ is not str:
            return convert(value, _parse)
        done = memo.get(value, _UNSEEN)
        if done is _UNSEEN:
            done = memo[value] = convert(value, _parse)
        return done  # type: ignore[return-value]

    return one


def _naive(convert: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """`convert`, with the common text shapes done first: naive ISO, AMC's own, `M/d/yy H:mm`."""

    def one(value: Any) -> str | None:
        if value.__class__ is not str:
            return convert(value)
        size = len(value)
        if size == 19 and _NAIVE.fullmatch(value):
            try:
                _fromisoformat(value)
            except ValueError:
                return None
            return f"{value[:10]}T{value[11:]}Z"
        if size == 20 and value[19] == "Z":  # AMC's own shape, as `convert_timestamp` checks it
            return _timestamp(value, _parse)
        if "/" in value:
            slash = _SLASH.fullmatch(value)
            if slash is not None:
                return _timestamp_text(_slash_datetime(slash))
        return convert(value)

    return one


def convert_timestamps(values: Sequence[Any]) -> list[str | None]:
    """`convert_timestamp` of each value (None for None): a batch of naive `yyyy-MM-dd HH:mm:ss` texts
    is checked with one regex and converted with two replaces; other batches value by value."""
    try:
        joined = "\n".join(values) + "\n"
    except TypeError:  # a None or a non-text value
        joined = ""
    if len(joined) == 20 * len(values) and _NAIVE_LINES.fullmatch(joined) and _calendar(values):
        return joined.replace(" ", "T").replace("\n", "Z\n").split("\n")[:-1]  # type: ignore[return-value]
    return list(map(_naive(_batch(_timestamp)), values))


def _calendar(texts: Sequence[str]) -> bool:
    """Whether `fromisoformat` accepts every text (each a calendar date and time)."""
    try:
        for _ in map(_fromisoformat, texts):
            pass
    except ValueError:
        return False
    return True


def convert_dates(values: Sequence[Any]) -> list[str | None]:
    """`convert_date` of each value (None for None)."""
    return list(map(_batch(_date), values))


def batch_converter(convert: Callable[[Any], str | None]) -> Callable[[Sequence[Any]], list[str | None]]:
    """The batch form of `convert_timestamp` or `convert_date`: the same result per value."""
    return convert_dates if convert is convert_date else convert_timestamps


def failed_times(values: Sequence[Any], converted: Sequence[str | None], required: bool) -> list[bool]:
    """Per value of a time column, whether its row fails: a missing value (None or "") only when the
    column is `required` (the event time), a present one when its conversion is None."""
    return [required if v is None or v == "" else c is None for v, c in zip(values, converted, strict=True)]
