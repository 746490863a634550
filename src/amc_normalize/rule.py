"""The shape every PII type module compiles to, and the ASCII building blocks of the fast paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled normalization rule for one (PII type, country).

    `kernel` maps raw text to normalized text, or to "" when the value is invalid (the spec's
    "normalizes to the empty string"). `explain` names the reason for a value whose kernel result is
    "", and is only called on that (rare) path.
    """

    kernel: Callable[[str], str]
    explain: Callable[[str], str]
    #: Optional bytes form of `kernel` for ASCII input (b"" when invalid): hashing then skips a
    #: decode/encode round trip. Must equal `kernel(text).encode()` for every ASCII `text`.
    ascii_kernel: Callable[[bytes], bytes] | None = None
    #: Optional `bytes.translate` table that *is* the rule for ASCII input: bytes mapped to NUL are
    #: deleted, "" is invalid. Lets `common.compile_hash_function` inline the whole ASCII path.
    ascii_table: bytes | None = None
    #: Optional complete hash function (raw value -> digest, prehashed value, or None) replacing the
    #: generic one built by `common.compile_hash_function`, for the hottest types.
    hash_function: Callable[[Any], str | None] | None = None
    #: Optional batch form of `hash_function` (list in, list out, loop inlined).
    batch_hash_function: Callable[[Iterable[Any]], list[str | None]] | None = None
    #: Optional form of `batch_hash_function` that also hands back the reasons it already knows:
    #: (digests, {index: reason}) where every index is that of an invalid value (None digest) and its
    #: reason is what `explain` gives; invalid values not in the dict are left to `explain`. Lets a
    #: counting caller (`ColumnHasher`) skip re-running an expensive rule (PHONE) on invalid values.
    batch_outcome_function: Callable[[list[Any]], tuple[list[str | None], dict[int, str]]] | None = None
    #: The type's values repeat a lot in real files (STATE, ZIP, CITY): its batch hash function
    #: hashes each distinct value of a batch once (`common.distinct_values`).
    repeats: bool = False


#: Finishes the expensive part of a native Spark rule into (normalized text, invalid reason) columns.
SparkFinish = Callable[["Column"], "tuple[Column, Column]"]
#: (raw string column, country code) -> (expensive part: the regex work, computed once per value; its
#: finish). Valid for ASCII values only; the Spark adapter sends every other value to the Python rule.
SparkNative = Callable[["Column", str], "tuple[Column, SparkFinish]"]


@dataclass(frozen=True, slots=True)
class PiiRule:
    """What one PII type module provides: its rule per country and, when Spark can reproduce the rule
    byte for byte on ASCII text, that native form (else Spark runs every value through the Python rule)."""

    build: Callable[[str], Rule]
    spark_native: SparkNative | None = None


def ascii_delete_table(keep: bytes) -> bytes:
    """All 256 byte values except `keep`: the `delete` argument of `bytes.translate`."""
    return bytes(b for b in range(256) if b not in keep)


ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
ASCII_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ASCII_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def ascii_filter(keep: bytes, case_table: bytes) -> Callable[[bytes], bytes]:
    """ASCII bytes -> case-mapped bytes with every byte outside `keep` (after mapping) deleted.

    `bytes.translate` with a `delete` argument rebuilds its table on every call (~150 ns); mapping the
    unwanted bytes to NUL and deleting only when one occurs is ~3x faster on typical values.
    """
    table = ascii_table(keep, case_table)

    def apply(data: bytes) -> bytes:
        out = data.translate(table)
        return out.replace(b"\0", b"") if 0 in out else out

    return apply


def ascii_table(keep: bytes, case_table: bytes) -> bytes:
    """Translate table of `ascii_filter`: case-map, and send every byte outside `keep` to NUL."""
    if 0 in keep:
        raise ValueError("NUL cannot be kept")
    return bytes(case_table[i] if case_table[i] in keep else 0 for i in range(256))


# Spark's `translate` with these maps case like ASCII_LOWER / ASCII_UPPER, independent of the JVM
# locale (`lower` in a Turkish locale maps `I` to a dotless `ı`).
_SPARK_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SPARK_LOWER = "abcdefghijklmnopqrstuvwxyz"


def spark_ascii_filter(raw: Column, delete: str, *, upper: bool = False) -> Column:
    """Spark form of `ascii_filter`: ASCII case-map `raw` (lower, or `upper`), then delete every match of
    the Java regex `delete` (a negated class of the kept characters)."""
    from pyspark.sql import functions as F

    mapped = (
        F.translate(raw, _SPARK_LOWER, _SPARK_UPPER)
        if upper
        else F.translate(raw, _SPARK_UPPER, _SPARK_LOWER)
    )
    return F.regexp_replace(mapped, delete, "")


def lowercase_alnum_rule(
    kernel: Callable[[str], str], reason: str, *, repeats: bool = False
) -> tuple[Rule, PiiRule]:
    """The rule of the types that lowercase and keep `a-z0-9` (names, CITY): `kernel` for any text (it may
    transliterate first), one C-level pass for ASCII text, and the same pass as a Spark expression. The
    rule is the same in every country."""
    rule = Rule(
        kernel=kernel,
        explain=lambda value: reason,
        ascii_kernel=ascii_filter(ASCII_ALNUM, ASCII_LOWER),
        ascii_table=ascii_table(ASCII_ALNUM, ASCII_LOWER),
        repeats=repeats,
    )

    def spark_native(raw: Column, country_code: str) -> tuple[Column, SparkFinish]:
        from pyspark.sql import functions as F

        reason_column = F.lit(reason)
        return spark_ascii_filter(raw, "[^a-z0-9]"), lambda text: (text, reason_column)

    return rule, PiiRule(build=lambda country_code: rule, spark_native=spark_native)
