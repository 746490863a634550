"""STATE (spec: normalization.md, section STATE).

Uppercase and keep `A-Z`; a full name in the country's table becomes its code; otherwise a raw value
longer than two characters keeps its first two letters; lowercase (`Île-de-France` -> `LEDEFRANCE` -> `le`).

The reference tests the length of the raw value. Testing the length of the kept letters gives the same
result for every value whose uppercase does not grow (a raw value of at most two characters keeps at most
two letters), and stays idempotent where it does grow: `aß` -> `ASS` -> `as`, not `ass`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from amc_normalize.common import (
    HEX,
    kernel_hash_function,
    restore_prehashed,
    separator_table,
    translate_batch,
)
from amc_normalize.registry import country_rules
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

_NOT_UPPER = re.compile(r"[^A-Z]+")
_ascii = ascii_filter(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", ASCII_UPPER)
_ASCII_TABLE = ascii_table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", ASCII_UPPER)


def make_state_normalizer(names: Mapping[str, str]) -> Rule:
    table = dict(names)

    def normalize_state(value: str) -> str:
        letters = _ascii(value.encode()).decode() if value.isascii() else _NOT_UPPER.sub("", value.upper())
        code = table.get(letters)
        if code is not None:
            return code.lower()
        return letters[:2].lower()

    def explain(value: str) -> str:
        return "state.no_letters"

    generic = kernel_hash_function(normalize_state)
    # Kept letters are A-Z, so only such keys can match; codes pre-lowered.
    byte_table = {k.encode(): v.lower().encode() for k, v in table.items() if k.isascii()}
    get_code = byte_table.get

    def hash_state(value: Any) -> str | None:
        # `kernel_hash_function(normalize_state)` with its ASCII case inlined on bytes.
        if value.__class__ is str and value.isascii():
            if len(value) == 64 and HEX.issuperset(value):
                return value
            letters = value.encode().translate(_ASCII_TABLE)
            if 0 in letters:
                letters = letters.replace(b"\0", b"")
            code = get_code(letters)
            data = letters[:2].lower() if code is None else code
            return sha256(data).hexdigest() if data else None
        return generic(value)

    batch_table = separator_table(_ASCII_TABLE)

    def hash_states(values: Iterable[Any]) -> list[str | None]:
        # `hash_state` over a batch, one translate for all (`translate_batch`).
        values = values if isinstance(values, list) else list(values)
        translated = translate_batch(values, batch_table)
        if translated is None:
            return list(map(hash_state, values))
        parts, others = translated
        digest = sha256
        out: list[str | None] = [
            digest(data).hexdigest() if (data := get_code(p, p[:2].lower())) else None for p in parts
        ]
        for at in others:
            out[at] = hash_state(values[at])
        return restore_prehashed(values, out)

    return Rule(
        kernel=normalize_state,
        explain=explain,
        hash_function=hash_state,
        batch_hash_function=hash_states,
        repeats=True,
    )


def build(country_code: str) -> Rule:
    return make_state_normalizer(country_rules(country_code).state_names)


def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
    """`normalize_state` in Spark, with the reference's test of the raw length (the same for ASCII)."""
    from pyspark.sql import functions as F

    names = country_rules(country_code).state_names

    def finish(letters: Column) -> tuple[Column, Column]:
        fallback = F.when(F.length(raw) > 2, F.substring(letters, 1, 2)).otherwise(letters)
        if names:
            pairs = [F.lit(x) for item in sorted(names.items()) for x in item]
            # element_at on a missing key is null (spark.sql.ansi.enabled=false, as on Glue 5).
            code = F.when(letters == "", F.lit(None)).otherwise(F.element_at(F.create_map(*pairs), letters))
            fallback = F.coalesce(code, fallback)
        return F.lower(fallback), F.lit("state.no_letters")

    return spark_ascii_filter(raw, "[^A-Z]", upper=True), finish


PII_RULE = PiiRule(build=build, spark_native=spark_native)
