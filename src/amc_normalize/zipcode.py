"""ZIP / postal code (spec: normalization.md, section ZIP).

Keep digits (or letters and digits), truncate to the country's length, require the country's pattern.
**Correction**: CA and GB letters are upper-cased (the reference rejected lower-case input).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from amc_normalize.common import (
    HEX,
    kernel_hash_function,
    restore_prehashed,
    separator_table,
    translate_batch,
)
from amc_normalize.registry import ZipRule, country_rules
from amc_normalize.rule import (
    ASCII_UPPER,
    PiiRule,
    Rule,
    SparkFinish,
    ascii_filter,
    ascii_table,
    spark_ascii_filter,
)

if TYPE_CHECKING:
    from pyspark.sql import Column

_KEEP = {"digits": b"0123456789", "alnum": b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
_FILTERS = {keep: ascii_filter(chars, ASCII_UPPER) for keep, chars in _KEEP.items()}
_TABLES = {keep: ascii_table(chars, ASCII_UPPER) for keep, chars in _KEEP.items()}
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

    generic = kernel_hash_function(normalize_zip)
    table = _TABLES[rule.keep]
    # Kept text is ASCII, where the bytes pattern matches as the str one does. "Exactly `length` digits"
    # after keeping digits and truncating to `length` is a length test.
    match_bytes = re.compile(rule.pattern.encode()).fullmatch
    exact_digits = rule.keep == "digits" and rule.pattern == f"[0-9]{{{length}}}"

    def hash_zip(value: Any) -> str | None:
        # `kernel_hash_function(normalize_zip)` with its ASCII case inlined on bytes.
        if value.__class__ is str and value.isascii():
            if len(value) == 64 and HEX.issuperset(value):
                return value
            data = value.encode().translate(table)
            if 0 in data:
                data = data.replace(b"\0", b"")
            data = data[:length]
            if (len(data) == length) if exact_digits else (data and match_bytes(data)):
                return sha256(data).hexdigest()
            return None
        return generic(value)

    batch_table = separator_table(table)

    def hash_zips(values: Iterable[Any]) -> list[str | None]:
        # `hash_zip` over a batch, one translate for all (`translate_batch`).
        values = values if isinstance(values, list) else list(values)
        translated = translate_batch(values, batch_table)
        if translated is None:
            return list(map(hash_zip, values))
        parts, others = translated
        digest = sha256
        out: list[str | None]
        if exact_digits:
            out = [digest(p[:length]).hexdigest() if len(p) >= length else None for p in parts]
        else:
            out = [digest(q).hexdigest() if (q := p[:length]) and match_bytes(q) else None for p in parts]
        for at in others:
            out[at] = hash_zip(values[at])
        return restore_prehashed(values, out)

    return Rule(
        kernel=normalize_zip,
        explain=explain,
        hash_function=hash_zip,
        batch_hash_function=hash_zips,
        repeats=True,
    )


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
