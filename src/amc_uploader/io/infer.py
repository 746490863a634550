"""The one data-type inference: the narrowest AMC data type every sampled value of a column fits.

The value shapes are `amc_normalize.shapes` (the PII suggestions use the same); this maps them to AMC's
data types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from amc_client.models import DataType
from amc_normalize.shapes import Shape, column_shape

_INT32 = range(-(2**31), 2**31)
_DATA_TYPES = {
    Shape.DECIMAL: DataType.DECIMAL,
    Shape.DATE: DataType.DATE,
    Shape.TIMESTAMP: DataType.TIMESTAMP,
    Shape.TEXT: DataType.STRING,
}


def infer_type(values: Iterable[Any]) -> DataType:
    """INTEGER, LONG, DECIMAL, DATE, TIMESTAMP or STRING for a column sample (text or native values).

    Empty values are ignored (no values at all: STRING); integers and decimals widen to DECIMAL, dates
    and timestamps to TIMESTAMP; any other mix, booleans and text with leading zeros are STRING.
    """
    found = column_shape(values)
    if found.shape is Shape.INTEGER:
        return DataType.INTEGER if found.low in _INT32 and found.high in _INT32 else DataType.LONG
    return _DATA_TYPES[found.shape]
