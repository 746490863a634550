"""The shape of a column's values (integer, decimal, date, timestamp or text): the one inference behind
`amc_uploader.io.infer_type` (a column's AMC data type) and the PII suggestions (a date is never a ZIP)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
_TIMESTAMP = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}[T ]|\d{1,2}/\d{1,2}/\d{2,4} )"
    r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?"
)


class Shape(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TEXT = "text"


# Shapes that widen into one; any other mix is TEXT.
_WIDENING = {
    frozenset({Shape.INTEGER, Shape.DECIMAL}): Shape.DECIMAL,
    frozenset({Shape.DATE, Shape.TIMESTAMP}): Shape.TIMESTAMP,
}


@dataclass(frozen=True, slots=True)
class ColumnShape:
    """The narrowest shape every value fits; `low`/`high`: the integer range seen (0, 0 without integers)."""

    shape: Shape
    low: int = 0
    high: int = 0


def value_shape(value: Any) -> tuple[Shape | None, int]:
    """(shape of one value or None when empty, the value as an integer when its shape is INTEGER else 0)."""
    if value is None:
        return None, 0
    if isinstance(value, bool):
        return Shape.TEXT, 0
    if isinstance(value, int):
        return Shape.INTEGER, value
    if isinstance(value, float | Decimal):
        return Shape.DECIMAL, 0
    if isinstance(value, datetime):
        return Shape.TIMESTAMP, 0
    if isinstance(value, date):
        return Shape.DATE, 0
    if not isinstance(value, str):
        return Shape.TEXT, 0
    text = value.strip()
    if not text:
        return None, 0
    if _INT.fullmatch(text):
        digits = text.lstrip("+-")
        # Leading zeros (zip codes, ids) are codes, not numbers.
        return (Shape.TEXT, 0) if len(digits) > 1 and digits.startswith("0") else (Shape.INTEGER, int(text))
    if _DECIMAL.fullmatch(text):
        return Shape.DECIMAL, 0
    if _TIMESTAMP.fullmatch(text):
        return Shape.TIMESTAMP, 0
    if _DATE.fullmatch(text):
        return Shape.DATE, 0
    return Shape.TEXT, 0


def column_shape(values: Iterable[Any]) -> ColumnShape:
    """The shape of a column sample (text or native values).

    Empty values are ignored (no values at all: TEXT); integers and decimals widen to DECIMAL, dates and
    timestamps to TIMESTAMP; any other mix, booleans and digits with leading zeros are TEXT.
    """
    shapes: set[Shape] = set()
    low = high = 0
    for value in values:
        shape, number = value_shape(value)
        if shape is Shape.TEXT:
            return ColumnShape(Shape.TEXT)
        if shape is Shape.INTEGER:
            if Shape.INTEGER not in shapes:
                low = high = number
            low, high = min(low, number), max(high, number)
        if shape is not None:
            shapes.add(shape)
    if not shapes:
        return ColumnShape(Shape.TEXT)
    shape = shapes.pop() if len(shapes) == 1 else _WIDENING.get(frozenset(shapes), Shape.TEXT)
    return ColumnShape(shape, low, high) if shape is Shape.INTEGER else ColumnShape(shape)
