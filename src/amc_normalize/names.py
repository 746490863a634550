"""FIRST_NAME, LAST_NAME and NAME (spec: normalization.md, section FIRST_NAME, LAST_NAME)."""

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

# Spec step 2: transliterate these six letters; every other accented letter is deleted in step 3.
_TRANSLITERATION = (("ß", "ss"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ø", "o"), ("æ", "ae"))
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)
_REASON = "name.no_letters"


def normalize_name(value: str) -> str:
    """Lowercase, transliterate, keep `a-z0-9`; "" when nothing is left."""
    if value.isascii():
        # Same result as the general path for ASCII input, one C-level pass.
        return _ascii(value.encode()).decode()
    text = value.lower()
    for src, dst in _TRANSLITERATION:
        if src in text:
            text = text.replace(src, dst)
    return _NON_ALNUM.sub("", text)


def _explain(value: str) -> str:
    return _REASON


RULE = Rule(
    kernel=normalize_name,
    explain=_explain,
    ascii_kernel=_ascii,
    ascii_table=ascii_table(ASCII_ALNUM, ASCII_LOWER),
)


def build(country_code: str) -> Rule:
    """Names follow the same rule in every country."""
    return RULE


def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
    """`_ascii` in Spark: lowercase, keep a-z0-9 (the transliterated letters are not ASCII)."""
    from pyspark.sql import functions as F

    reason = F.lit(_REASON)
    return spark_ascii_filter(raw, "[^a-z0-9]"), lambda text: (text, reason)


PII_RULE = PiiRule(build=build, spark_native=spark_native)
