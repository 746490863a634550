"""EMAIL (spec: normalization.md, section EMAIL).

Lowercase, keep word characters, `.`, `@`, `-` and (**Correction**) `+`, then require `local@domain`:
the reference accepts a value when it *starts with* `[\\w.+-]+@[\\w.+-]`, so that is the test here.
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
from amc_normalize.rule import ASCII_LOWER, PiiRule, Rule, SparkFinish, ascii_filter, spark_ascii_filter

if TYPE_CHECKING:
    from pyspark.sql import Column

# For ASCII text `\w` is exactly [A-Za-z0-9_].
_KEEP = b"abcdefghijklmnopqrstuvwxyz0123456789_.@+-"
_ASCII_MAP = bytes(c if c in _KEEP else 0 for c in ASCII_LOWER)
_ascii = ascii_filter(_KEEP, ASCII_LOWER)
_NOT_EMAIL_CHAR = re.compile(r"[^\w.@+-]+")


def _looks_like_address(text: str) -> bool:
    # Equivalent to re.match(r"[\w.+-]+@[\w.+-]", text) once only [\w.@+-] characters remain.
    at = text.find("@")
    return at > 0 and len(text) > at + 1 and text[at + 1] != "@"


def normalize_email(value: str) -> str:
    text = _ascii(value.encode()).decode() if value.isascii() else _NOT_EMAIL_CHAR.sub("", value.lower())
    return text if _looks_like_address(text) else ""


def _explain(value: str) -> str:
    text = _NOT_EMAIL_CHAR.sub("", value.lower())
    if "@" not in text:
        return "email.no_at"
    return "email.syntax"


def _hash_email(value: Any) -> str | None:
    # get_hash_function's contract, inlined for the ASCII case: e-mail is the column every file has.
    if value.__class__ is str and value.isascii():
        data = value.encode().translate(_ASCII_MAP)
        if 0 in data:  # characters to delete (whitespace, punctuation): rare
            data = data.replace(b"\0", b"")
        # `_looks_like_address` on bytes; partition is the cheapest exact form measured
        # (bytes.find parses its arguments the slow way).
        local, _, domain = data.partition(b"@")
        if local and domain and domain[0] != 64:
            return sha256(data).hexdigest()
        # A 64-hex digest has no "@", so the prehashed test belongs on this (rare) path only.
        if len(value) == 64 and HEX.issuperset(value):
            return value
        return None
    return _generic_hash(value)


_generic_hash = kernel_hash_function(normalize_email)


_BATCH_MAP = separator_table(_ASCII_MAP)


def _hash_emails(values: Iterable[Any]) -> list[str | None]:
    # `_hash_email` over a batch: one translate for the whole batch (`translate_batch`), then the
    # `local@domain` test per value; the prehashed ones (no "@") are restored.
    values = values if isinstance(values, list) else list(values)
    translated = translate_batch(values, _BATCH_MAP)
    if translated is None:
        return list(map(_hash_email, values))
    parts, others = translated
    digest = sha256
    out: list[str | None] = [
        digest(p).hexdigest() if (split := p.partition(b"@"))[0] and split[2] and split[2][0] != 64 else None
        for p in parts
    ]
    for at in others:
        out[at] = _generic_hash(values[at])
    return restore_prehashed(values, out)


RULE = Rule(
    kernel=normalize_email,
    explain=_explain,
    hash_function=_hash_email,
    batch_hash_function=_hash_emails,
)


def build(country_code: str) -> Rule:
    return RULE


def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
    """`_ascii` and `_looks_like_address` in Spark (ASCII `\\w` = [A-Za-z0-9_]): `local@domain` = the
    first "@" is not the first character and is followed by a character other than "@"."""
    from pyspark.sql import functions as F

    def finish(kept: Column) -> tuple[Column, Column]:
        text = F.when(kept.rlike("^[^@]+@[^@]"), kept).otherwise(F.lit(""))
        reason = F.when(F.instr(kept, "@") == 0, F.lit("email.no_at")).otherwise(F.lit("email.syntax"))
        return text, reason

    return spark_ascii_filter(raw, "[^a-z0-9_.@+-]"), finish


PII_RULE = PiiRule(build=build, spark_native=spark_native)
