"""The one data-type inference: the narrowest AMC data type every sampled value of a column fits."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from amc_client.models import DataType

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
_TIMESTAMP = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}[T ]|\d{1,2}/\d{1,2}/\d{2,4} )"
    r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?"
)
_INT32 = range(-(2**31), 2**31)
# Kinds that widen into one type; any other mix is STRING.
_WIDENING = {
    frozenset({DataType.INTEGER, DataType.LONG}): DataType.LONG,
    frozenset({DataType.INTEGER, DataType.DECIMAL}): DataType.DECIMAL,
    frozenset({DataType.LONG, DataType.DECIMAL}): DataType.DECIMAL,
    frozenset({DataType.INTEGER, DataType.LONG, DataType.DECIMAL}): DataType.DECIMAL,
    frozenset({DataType.DATE, DataType.TIMESTAMP}): DataType.TIMESTAMP,
}


def _integer(number: int) -> DataType:
    return DataType.INTEGER if number in _INT32 else DataType.LONG


def _kind(value: Any) -> DataType | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return DataType.STRING
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float | Decimal):
        return DataType.DECIMAL
    if isinstance(value, datetime):
        return DataType.TIMESTAMP
    if isinstance(value, date):
        return DataType.DATE
    if not isinstance(value, str):
        return DataType.STRING
    text = value.strip()
    if not text:
        return None
    if _INT.fullmatch(text):
        digits = text.lstrip("+-")
        # Leading zeros (zip codes, ids) are codes, not numbers.
        return DataType.STRING if len(digits) > 1 and digits.startswith("0") else _integer(int(text))
    if _DECIMAL.fullmatch(text):
        return DataType.DECIMAL
    if _TIMESTAMP.fullmatch(text):
        return DataType.TIMESTAMP
    if _DATE.fullmatch(text):
        return DataType.DATE
    return DataType.STRING


def infer_type(values: Iterable[Any]) -> DataType:
    """INTEGER, LONG, DECIMAL, DATE, TIMESTAMP or STRING for a column sample (text or native values).

    Empty values are ignored (no values at all: STRING); integers and decimals widen to DECIMAL, dates
    and timestamps to TIMESTAMP; any other mix, booleans and text with leading zeros are STRING.
    """
    kinds: set[DataType] = set()
    for value in values:
        kind = _kind(value)
        if kind is DataType.STRING:
            return DataType.STRING
        if kind is not None:
            kinds.add(kind)
    if not kinds:
        return DataType.STRING
    if len(kinds) == 1:
        return kinds.pop()
    return _WIDENING.get(frozenset(kinds), DataType.STRING)
