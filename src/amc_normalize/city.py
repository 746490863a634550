"""CITY (spec: normalization.md, section CITY): lowercase, keep `a-z0-9`, no transliteration."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from amc_normalize.rule import (
    ASCII_ALNUM,
    ASCII_LOWER,
    PiiRule,
    Rule,
    SparkFinish,
    ascii_filter,
    ascii_table,
    spark_ascii_filter,
)

if TYPE_CHECKING:
    from pyspark.sql import Column

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)
_REASON = "city.no_letters"


def normalize_city(value: str) -> str:
    if value.isascii():
        return _ascii(value.encode()).decode()
    return _NON_ALNUM.sub("", value.lower())


def _explain(value: str) -> str:
    return _REASON


RULE = Rule(
    kernel=normalize_city,
    explain=_explain,
    ascii_kernel=_ascii,
    ascii_table=ascii_table(ASCII_ALNUM, ASCII_LOWER),
)


def build(country_code: str) -> Rule:
    return RULE


def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
    """`_ascii` in Spark: lowercase, keep a-z0-9."""
    from pyspark.sql import functions as F

    reason = F.lit(_REASON)
    return spark_ascii_filter(raw, "[^a-z0-9]"), lambda text: (text, reason)


PII_RULE = PiiRule(build=build, spark_native=spark_native)
