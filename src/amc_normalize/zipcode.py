"""ZIP / postal code (spec: normalization.md, section ZIP).

Keep digits (or letters and digits), truncate to the country's length, require the country's pattern.
**Correction**: CA and GB letters are upper-cased (the reference rejected lower-case input).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from amc_normalize.registry import ZipRule, country_rules
from amc_normalize.rule import ASCII_UPPER, PiiRule, Rule, SparkFinish, ascii_filter, spark_ascii_filter

if TYPE_CHECKING:
    from pyspark.sql import Column

_FILTERS = {
    "digits": ascii_filter(b"0123456789", ASCII_UPPER),
    "alnum": ascii_filter(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ASCII_UPPER),
}
# Only ASCII letters and digits count (the reference's `[^0-9]` / `[^0-9A-Za-z]`).
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def make_zip_normalizer(rule: ZipRule) -> Rule:
    keep = _FILTERS[rule.keep]
    length = rule.length
    pattern = re.compile(rule.pattern)
    fullmatch = pattern.fullmatch

    def normalize_zip(value: str) -> str:
        if not value.isascii():
            value = _NON_ASCII.sub("", value)
        kept = keep(value.encode()).decode()[:length]
        return kept if fullmatch(kept) else ""

    def explain(value: str) -> str:
        return "zip.pattern"

    return Rule(kernel=normalize_zip, explain=explain)


def build(country_code: str) -> Rule:
    return make_zip_normalizer(country_rules(country_code).zip)


def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
    """`normalize_zip` in Spark for ASCII values (its non-ASCII deletion is then a no-op). Values with
    Unicode blanks such as U+00A0 are null in Python and must stay with the Python rule."""
    from pyspark.sql import functions as F

    rule = country_rules(country_code).zip
    delete = "[^0-9]" if rule.keep == "digits" else "[^A-Z0-9]"
    kept = F.substring(spark_ascii_filter(raw, delete, upper=True), 1, rule.length)
    pattern = f"^(?:{rule.pattern})\\z"
    return kept, lambda k: (F.when(k.rlike(pattern), k).otherwise(F.lit("")), F.lit("zip.pattern"))


PII_RULE = PiiRule(build=build, spark_native=spark_native)
