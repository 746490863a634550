"""`encode_columns` (both engines' batch encoder) against `make_serializer` (one row at a time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amc_uploader.job.output import encode_columns, make_serializer

_CELLS = st.one_of(
    st.none(),
    st.text(alphabet='ab,"\r\n é\ud800', max_size=5),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.just(Decimal("1.50")),
    st.just(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    st.just(date(2024, 1, 2)),
    st.just({"k": [1, "v"]}),
    st.just(b"\x00\xff"),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(_CELLS, min_size=w, max_size=w), max_size=6)))
@pytest.mark.parametrize("file_format", ["CSV", "JSON"])
def test_encode_columns_is_the_row_serializer(file_format: Any, rows: list[list[Any]]) -> None:
    width = len(rows[0]) if rows else 2
    names = [f"c{i}" for i in range(width)]
    serialize = make_serializer(file_format, names)
    expected = [serialize(row) for row in rows]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    data, lengths = encode_columns(file_format, names, columns)
    assert data == b"".join(expected)
    assert lengths == [len(line) for line in expected]
