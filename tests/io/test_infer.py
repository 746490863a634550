"""The one data-type inference (inspect and the API preview)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from amc_client.models import DataType
from amc_uploader.io import infer_type


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], DataType.STRING),
        ([None, " ", ""], DataType.STRING),
        (["1", "-2", None], DataType.INTEGER),
        (["1", str(2**40)], DataType.LONG),
        (["007", "12"], DataType.STRING),
        (["1", "2.5", "1e3"], DataType.DECIMAL),
        (["2024-01-02", "3/4/2024"], DataType.DATE),
        (["2024-01-02T03:04:05Z", "2024-01-02 03:04:05.123456789+02:00", "3/4/24 5:06"], DataType.TIMESTAMP),
        (["2024-01-02", "2024-01-02T03:04:05Z"], DataType.TIMESTAMP),
        (["1", "2024-01-02"], DataType.STRING),
        (["true", "false"], DataType.STRING),
        ([1, 2.5], DataType.DECIMAL),
        ([True, False], DataType.STRING),
        ([date(2024, 1, 2), datetime(2024, 1, 2, tzinfo=UTC)], DataType.TIMESTAMP),
        ([{"a": 1}], DataType.STRING),
    ],
)
def test_infer_type(values: list[Any], expected: DataType) -> None:
    assert infer_type(values) is expected
