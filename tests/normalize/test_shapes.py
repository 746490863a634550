"""Value shapes: the inference behind the data types and the PII suggestions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from amc_normalize.shapes import ColumnShape, Shape, column_shape


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], ColumnShape(Shape.TEXT)),
        (["1", "-7", None], ColumnShape(Shape.INTEGER, -7, 1)),
        (["01067"], ColumnShape(Shape.TEXT)),
        (["1", "2.5"], ColumnShape(Shape.DECIMAL)),
        (["2024-02-15", "15/02/2024"], ColumnShape(Shape.DATE)),
        (["2024-02-15", "2024-02-15T10:11:12Z"], ColumnShape(Shape.TIMESTAMP)),
        (["1,250.00"], ColumnShape(Shape.TEXT)),
        ([date(2024, 2, 15), 3], ColumnShape(Shape.TEXT)),
    ],
)
def test_column_shape(values: list[Any], expected: ColumnShape) -> None:
    assert column_shape(values) == expected
