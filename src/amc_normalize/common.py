"""The common rules every PII type follows (spec: normalization.md, section Common rules).

A raw cell becomes text (`coerce_text`); null stays null; an empty or blank string is null; a
64-character lowercase hex value is already hashed and passes through (`is_prehashed`); **Correction**:
a value that normalizes to "" is invalid (None), never sha256(""). A cell that is not text is invalid
before any rule sees it (`value_reason`): a boolean (`value.boolean`), a nested value (`value.nested`:
an object, a list, a Parquet struct, list or map), text that is not Unicode (`text.invalid_unicode`: a
lone surrogate, as JSON's `"\ud800"` decodes). `compile_hash_function` applies them
around a type's kernel; the Spark adapter uses the Spark forms at the end of this module. This module
imports nothing from the type modules, so every one of them and every adapter can import it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from amc_normalize.rule import Rule

if TYPE_CHECKING:
    from pyspark.sql import Column

HEX = frozenset("0123456789abcdef")

#: Reasons of the cells no PII rule can read (`value_reason`).
VALUE_BOOLEAN = "value.boolean"
VALUE_NESTED = "value.nested"
TEXT_INVALID_UNICODE = "text.invalid_unicode"

HashFunction = Callable[[object], "str | None"]
BatchHashFunction = Callable[[Iterable[Any]], "list[str | None]"]


def is_prehashed(value: str) -> bool:
    """Exactly 64 characters of `0-9a-f`."""
    return len(value) == 64 and HEX.issuperset(value)


def is_unicode(text: str) -> bool:
    """Whether `text` is encodable as UTF-8 (no lone surrogate). Hash functions test only non-ASCII
    values, where it costs one encode next to a kernel that costs far more."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _non_text_reason(value: object) -> str | None:
    if isinstance(value, bool):
        return VALUE_BOOLEAN
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return VALUE_NESTED
    kind = value.__class__
    if kind.__module__ == "numpy":  # pandas cells: numpy.bool_, and arrays from Parquet list columns
        if kind.__name__ == "bool_":
            return VALUE_BOOLEAN
        if kind.__name__ == "ndarray":
            return VALUE_NESTED
    return None


def value_reason(value: object) -> str | None:
    """Why a raw cell is invalid whatever its PII type, or None: a boolean, a nested value, text with a
    lone surrogate. Only called for values a hash function turned away (the rare path)."""
    if isinstance(value, str):
        return None if value.isascii() or is_unicode(value) else TEXT_INVALID_UNICODE
    return None if value is None else _non_text_reason(value)


def coerce_text(value: object) -> str | None:
    """Non-string input (JSON numbers, pandas floats): integral floats lose their `.0`, NaN is null.
    Booleans and nested values are no text (None; `value_reason` says why they are invalid)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return str(value)
    if _non_text_reason(value) is not None:
        return None
    return str(value)


def blank_to_null(value: object) -> str | None:
    """The cell as text, None when it is null, empty or blank."""
    text = coerce_text(value)
    if text is None or not text.strip():
        return None
    return text


def kernel_hash_function(kernel: Callable[[str], str]) -> HashFunction:
    """Raw value -> digest of `kernel(text)`, the value itself when prehashed, or None."""
    hexset = HEX

    def hash_one(value: Any) -> str | None:
        raw: str | None = value if value.__class__ is str else coerce_text(value)
        if raw is None:
            return None
        if len(raw) == 64 and hexset.issuperset(raw):
            return raw
        if not raw.isascii() and not is_unicode(raw):
            return None
        text = kernel(raw)
        if text:
            return sha256(text.encode()).hexdigest()
        return None

    return hash_one


def compile_hash_function(rule: Rule) -> HashFunction:
    """The fastest hash function the rule allows: its own, its ASCII table inlined, its ASCII kernel,
    or `kernel_hash_function`. All of them give what `kernel_hash_function(rule.kernel)` gives."""
    if rule.hash_function is not None:
        return rule.hash_function
    kernel = rule.kernel
    ascii_kernel = rule.ascii_kernel
    hexset = HEX
    hash_one = kernel_hash_function(kernel)

    def hash_one_ascii(value: Any) -> str | None:
        raw: str | None = value if value.__class__ is str else coerce_text(value)
        if raw is None:
            return None
        if len(raw) == 64 and hexset.issuperset(raw):
            return raw
        if raw.isascii():
            data = ascii_kernel(raw.encode())  # type: ignore[misc]
            return sha256(data).hexdigest() if data else None
        if not is_unicode(raw):
            return None
        text = kernel(raw)
        if text:
            return sha256(text.encode()).hexdigest()
        return None

    table = rule.ascii_table
    if table is None:
        return hash_one if ascii_kernel is None else hash_one_ascii

    def hash_one_table(value: Any) -> str | None:
        # The ASCII path of a translate-only rule (names, CITY), inlined: no kernel call at all.
        if value.__class__ is str and value.isascii():
            if len(value) == 64 and hexset.issuperset(value):
                return value
            data = value.encode().translate(table)
            if 0 in data:
                data = data.replace(b"\0", b"")
            return sha256(data).hexdigest() if data else None
        return hash_one(value)

    return hash_one_table


#: Joins a batch of values for `translate_batch`; a translate table passes it through as itself.
BATCH_SEPARATOR = "\x01"


def separator_table(table: bytes) -> bytes:
    """`table` (an `ascii_table`) that keeps `BATCH_SEPARATOR`, for `translate_batch`."""
    out = bytearray(table)
    out[ord(BATCH_SEPARATOR)] = ord(BATCH_SEPARATOR)
    return bytes(out)


def translate_batch(
    values: list[Any], table: bytes, *, delete_nul: bool = True
) -> tuple[list[bytes], list[int]] | None:
    """`translate_joined` with the bytes split into each value's part."""
    translated = translate_joined(values, table, delete_nul=delete_nul)
    if translated is None:
        return None
    data, others = translated
    return data.split(BATCH_SEPARATOR.encode()), others


def translate_joined(
    values: list[Any], table: bytes, *, delete_nul: bool = True
) -> tuple[bytes, list[int]] | None:
    """Each value's UTF-8 bytes through `table` (a `separator_table`; NUL deleted unless not
    `delete_nul`) by one join, encode and translate over the whole batch (the values' parts joined by
    `BATCH_SEPARATOR`), and the indices of the values that are not ASCII (their rule is not
    the table: their parts are to be replaced). None when a value is not text, holds
    `BATCH_SEPARATOR` or a lone surrogate: the caller then goes value by value."""
    try:
        joined = BATCH_SEPARATOR.join(values)
    except TypeError:  # a value that is not text
        return None
    if joined.count(BATCH_SEPARATOR) != len(values) - 1:
        return None
    others: list[int] = []
    if not joined.isascii():
        try:
            encoded = joined.encode()
        except UnicodeEncodeError:
            return None
        flags = list(map(str.isascii, values))
        at = -1
        for _ in range(flags.count(False)):
            at = flags.index(False, at + 1)
            others.append(at)
    else:
        encoded = joined.encode()
    data = encoded.translate(table)
    if delete_nul and 0 in data:
        data = data.replace(b"\0", b"")
    return data, others


def restore_prehashed(values: list[str], out: list[str | None]) -> list[str | None]:
    """`out` with every prehashed value of `values` (all text) passed through, in place."""
    lengths = list(map(len, values))
    at = -1
    for _ in range(lengths.count(64)):
        at = lengths.index(64, at + 1)
        if HEX.issuperset(values[at]):
            out[at] = values[at]
    return out


#: `distinct_values` hashes the distinct values only when at most this share of a batch is distinct.
DISTINCT_SHARE = 0.75
_DISTINCT_TYPES = frozenset((str, type(None)))


def distinct_values(batch: BatchHashFunction) -> BatchHashFunction:
    """`batch` applied to each distinct value of a batch once, for the types whose values repeat a lot in
    real files (STATE, ZIP, CITY): a repeated value costs a dict lookup instead of its rule and
    its sha256. Only for batches of `str` (and None) cells, where equal cells are one value to every
    rule, and only when few enough are distinct; any other batch goes to `batch` as it is. Each
    prehashed cell still comes back as the very object it was."""

    def hash_distinct(values: Iterable[Any]) -> list[str | None]:
        values = values if isinstance(values, list) else list(values)
        # Exactly str or None: 1 == 1.0 == True are three cells, a str subclass may be no plain text.
        if not _DISTINCT_TYPES.issuperset(map(type, values)):
            return batch(values)
        seen = dict.fromkeys(values)
        if len(seen) > DISTINCT_SHARE * len(values):
            return batch(values)
        keys = list(seen)
        digests = batch(keys)
        found = dict(zip(keys, digests, strict=True))
        out = list(map(found.__getitem__, values))
        prehashed = {k for k, d in zip(keys, digests, strict=True) if d is k}  # (None too: no matter)
        if prehashed:
            out = [v if v in prehashed else d for v, d in zip(values, out, strict=True)]
        return out

    return hash_distinct


def compile_batch_hash_function(rule: Rule) -> BatchHashFunction:
    """`compile_hash_function` over a batch (list in, list out); translate-only rules translate a whole
    batch of text at once (`translate_batch`); a rule whose values repeat hashes each distinct value
    once (`distinct_values`)."""
    batch = _compile_batch(rule)
    return distinct_values(batch) if rule.repeats else batch


def _compile_batch(rule: Rule) -> BatchHashFunction:
    if rule.batch_hash_function is not None:
        return rule.batch_hash_function
    hash_one = compile_hash_function(rule)
    table = rule.ascii_table
    if table is None:

        def hash_batch(values: Iterable[Any]) -> list[str | None]:
            return [hash_one(v) for v in values]

        return hash_batch
    batch_table = separator_table(table)
    digest = sha256

    def hash_batch_table(values: Iterable[Any]) -> list[str | None]:
        values = values if isinstance(values, list) else list(values)
        translated = translate_batch(values, batch_table)
        if translated is None:
            return [hash_one(v) for v in values]
        parts, others = translated
        out: list[str | None] = [digest(p).hexdigest() if p else None for p in parts]
        for at in others:
            out[at] = hash_one(values[at])
        return restore_prehashed(values, out)

    return hash_batch_table


# Spark forms of the same rules, for string columns. Python's str.strip() whitespace within ASCII
# (str.isspace): space, \t \n \v \f \r and \x1c-\x1f (Java's \s lacks \x1c-\x1f). Values made of these
# only are null; values with other Unicode blanks must go to the Python rule (Java has no str.strip()).
SPARK_ASCII_BLANKS = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
# `\z` (not `$`): `$` also matches before a final line terminator in Java.
SPARK_PREHASHED = r"^[0-9a-f]{64}\z"


def spark_is_blank(raw: Column) -> Column:
    """Null, or ASCII blanks only (the Python rule decides values with other Unicode blanks)."""
    from pyspark.sql import functions as F

    return raw.isNull() | (F.btrim(raw, F.lit(SPARK_ASCII_BLANKS)) == "")


def spark_is_prehashed(raw: Column) -> Column:
    from pyspark.sql import functions as F

    return (F.length(raw) == 64) & raw.rlike(SPARK_PREHASHED)
