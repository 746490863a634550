"""Spark adapter: DataFrame -> DataFrame transforms that hash PII columns exactly like `hash_value`.

Use with ``df.transform(hash_pii_columns(spec, "US"))``. Nothing is collected to the driver; the report
comes from an aggregation (``normalization_report``).

How each type runs (byte-identical to the Python rules in this package):

- native for ASCII values, pandas UDF for the rest: FIRST_NAME, LAST_NAME, NAME, CITY, EMAIL, STATE, ZIP.
  (For ASCII input the ZIP rule's non-ASCII deletion is a no-op.)
  On ASCII text the Python rules only use ASCII case mapping and ASCII character classes, which Spark's
  ``translate`` and Java regexes reproduce exactly (``translate`` instead of ``lower``/``upper`` keeps
  it independent of the JVM locale: a Turkish locale lowercases ``I`` to a dotless ``ı``). Unicode
  lowercasing (``ß``, ``İ``, final sigma, Java's and Python's Unicode versions) is not provably the
  same in both, so those values go through the UDF, which calls the Python rule itself.
  (ZIP too: its kernel ignores non-ASCII characters, but a value made of Unicode blanks such as
  U+00A0 is NULL in Python, and Java has no equivalent of str.strip(); the parity test caught it.)
- pandas UDF for every value: PHONE (libphonenumber) and ADDRESS (token tables).

Outcome codes (optional ``<column>__outcome`` columns): ``OK``, ``NULL``, ``PREHASHED`` and
``INVALID:<reason>`` with the same reasons as `hash_detailed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import pandas as pd

from amc_normalize.core import get_hasher, get_rule
from amc_normalize.records import ColumnSpec
from amc_normalize.registry import country_rules, resolve
from amc_normalize.report import NormalizationReport
from amc_normalize.types import Outcome, PiiType

__all__ = [
    "OUTCOME_SUFFIX",
    "column_strategy",
    "hash_pii_columns",
    "normalization_report",
]

OUTCOME_SUFFIX = "__outcome"

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
# Python's str.strip() whitespace within ASCII (str.isspace): space, \t \n \v \f \r and \x1c-\x1f
# (Java's \s lacks \x1c-\x1f). Values made of these only are NULL; other Unicode blanks go to the UDF.
_ASCII_BLANKS = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
# `\z` (not `$`): `$` also matches before a final line terminator in Java.
_PREHASHED = r"^[0-9a-f]{64}\z"

_HYBRID = frozenset(
    {
        PiiType.FIRST_NAME,
        PiiType.LAST_NAME,
        PiiType.NAME,
        PiiType.CITY,
        PiiType.EMAIL,
        PiiType.STATE,
        PiiType.ZIP,
    }
)


def column_strategy(pii_type: str | PiiType) -> str:
    """``hybrid`` (native for ASCII values, UDF otherwise) or ``udf``."""
    t = PiiType(str(pii_type).strip().upper())
    return "hybrid" if t in _HYBRID else "udf"


def _functions() -> Any:
    from pyspark.sql import functions

    return functions


Finish = Callable[[Any], tuple[Any, Any]]


def _native_parts(F: Any, raw: Any, pii_type: PiiType, country_code: str) -> tuple[Any, Finish]:
    """The expensive part of the native rule (regex work, computed once per value) and a function that
    finishes it into (normalized text, invalid reason). Valid for ASCII ``raw`` only."""
    if pii_type in (PiiType.FIRST_NAME, PiiType.LAST_NAME, PiiType.NAME, PiiType.CITY):
        # spec FIRST_NAME/CITY: lowercase, keep a-z0-9 (the transliterated letters are not ASCII)
        reason = F.lit("city.no_letters" if pii_type is PiiType.CITY else "name.no_letters")
        return F.regexp_replace(F.translate(raw, _UPPER, _LOWER), "[^a-z0-9]", ""), lambda text: (
            text,
            reason,
        )
    if pii_type is PiiType.EMAIL:
        # spec EMAIL: lowercase, keep [\w.@+-] (ASCII \w = [A-Za-z0-9_]); `local@domain` = the first
        # "@" is not the first character and is followed by a character other than "@".
        def finish_email(kept: Any) -> tuple[Any, Any]:
            text = F.when(kept.rlike("^[^@]+@[^@]"), kept).otherwise(F.lit(""))
            reason = F.when(F.instr(kept, "@") == 0, F.lit("email.no_at")).otherwise(F.lit("email.syntax"))
            return text, reason

        return F.regexp_replace(F.translate(raw, _UPPER, _LOWER), "[^a-z0-9_.@+-]", ""), finish_email
    if pii_type is PiiType.STATE:
        # spec STATE: uppercase, keep A-Z, full name -> code, else first two letters of a raw value
        # longer than two characters; lowercase.
        names = country_rules(country_code).state_names

        def finish_state(letters: Any) -> tuple[Any, Any]:
            fallback = F.when(F.length(raw) > 2, F.substring(letters, 1, 2)).otherwise(letters)
            if names:
                pairs = [F.lit(x) for item in sorted(names.items()) for x in item]
                # element_at on a missing key is null (spark.sql.ansi.enabled=false, as on Glue 5).
                code = F.when(letters == "", F.lit(None)).otherwise(
                    F.element_at(F.create_map(*pairs), letters)
                )
                fallback = F.coalesce(code, fallback)
            return F.lower(fallback), F.lit("state.no_letters")

        return F.regexp_replace(F.translate(raw, _LOWER, _UPPER), "[^A-Z]", ""), finish_state
    if pii_type is PiiType.ZIP:
        # spec ZIP: only ASCII letters/digits count; upper-case; keep; truncate; must match the pattern.
        rule = country_rules(country_code).zip
        keep = "[^0-9]" if rule.keep == "digits" else "[^A-Z0-9]"
        kept = F.substring(F.regexp_replace(F.translate(raw, _LOWER, _UPPER), keep, ""), 1, rule.length)
        pattern = f"^(?:{rule.pattern})\\z"
        return kept, lambda k: (F.when(k.rlike(pattern), k).otherwise(F.lit("")), F.lit("zip.pattern"))
    raise ValueError(f"no native rule for {pii_type}")


def _outcome_code(result: Any) -> str:
    if result.outcome is Outcome.INVALID:
        return f"INVALID:{result.reason}"
    return str(result.outcome.value)


def _hash_udf(pii_type: PiiType, country_code: str) -> Any:
    """pandas UDF: raw string -> struct(hash, outcome) through the Python rule itself."""
    from pyspark.sql.pandas.functions import pandas_udf

    def hash_udf(values: pd.Series) -> pd.DataFrame:
        hasher = get_hasher(pii_type, country_code)
        null_code = Outcome.NULL.value
        hashes: list[str | None] = []
        outcomes: list[str] = []
        for value in values:
            if value is None:  # hybrid columns send the values handled natively as nulls
                hashes.append(None)
                outcomes.append(null_code)
                continue
            result = hasher(value if isinstance(value, str) else None)
            hashes.append(result.value)
            outcomes.append(_outcome_code(result))
        return pd.DataFrame({"hash": hashes, "outcome": outcomes})

    # pyspark reads the pd.Series -> pd.DataFrame hints (module globals) to pick a scalar struct UDF.
    return cast(Any, pandas_udf)(hash_udf, "hash string, outcome string")


def hash_pii_columns(
    spec: ColumnSpec | Mapping[str, str | PiiType],
    country_code: str,
    *,
    outcome_columns: bool = False,
    outcome_suffix: str = OUTCOME_SUFFIX,
) -> Callable[[Any], Any]:
    """A transform replacing each spec column by its hash (null for null/invalid); other columns are
    untouched. With ``outcome_columns``, ``<column><suffix>`` holds the outcome code.

    Two projections: the first computes each value's class (null, prehashed, native, Python), the
    regex part of the native rule and the UDF result; the second derives hash and outcome from them.
    Spark does not collapse a projection whose expensive expressions the next one uses twice, so each
    regex runs once per value.
    """
    columns = ColumnSpec.coerce(spec)
    rules = {name: resolve(pii_type, country_code) for name, pii_type in columns.items()}
    for t, cc in rules.values():
        get_rule(t, cc)  # configuration errors now, not inside a task

    def transform(df: Any) -> Any:
        F = _functions()
        missing = [c for c in columns if c not in df.columns]
        if missing:
            from amc_normalize.errors import SchemaError

            raise SchemaError(f"columns not in the DataFrame: {', '.join(missing)}", columns=tuple(missing))
        first: dict[str, Any] = {}
        second: dict[str, Any] = {}
        temporary: list[str] = []
        for i, (name, (t, cc)) in enumerate(rules.items()):
            raw = F.col(f"`{name}`").cast("string")
            cls, pre, udf = f"__amc_cls_{i}", f"__amc_pre_{i}", f"__amc_udf_{i}"
            if column_strategy(t) == "udf":
                first[udf] = _hash_udf(t, cc)(raw)
                temporary.append(udf)
                hashed, outcome = F.col(udf)["hash"], F.col(udf)["outcome"]
            else:
                expensive, finish = _native_parts(F, raw, t, cc)
                # Cheap tests first: a string is ASCII iff its UTF-8 byte length equals its length.
                klass = (
                    F.when(raw.isNull() | (F.btrim(raw, F.lit(_ASCII_BLANKS)) == ""), F.lit(0))
                    .when((F.length(raw) == 64) & raw.rlike(_PREHASHED), F.lit(1))
                    .when(F.octet_length(raw) == F.length(raw), F.lit(2))
                    .otherwise(F.lit(3))
                )
                first[cls] = klass
                first[pre] = F.when(klass == 2, expensive)
                # Only non-ASCII values reach Python; the others arrive as nulls (cheap through Arrow).
                first[udf] = _hash_udf(t, cc)(F.when(klass == 3, raw))
                temporary += [cls, pre, udf]
                text, reason = finish(F.col(pre))
                c = F.col(cls)
                hashed = (
                    F.when(c == 0, F.lit(None))
                    .when(c == 1, raw)
                    .when(c == 3, F.col(udf)["hash"])
                    .when(text == "", F.lit(None))
                    .otherwise(F.sha2(text, 256))
                )
                outcome = (
                    F.when(c == 0, F.lit(Outcome.NULL.value))
                    .when(c == 1, F.lit(Outcome.PREHASHED.value))
                    .when(c == 3, F.col(udf)["outcome"])
                    .when(text == "", F.concat(F.lit("INVALID:"), reason))
                    .otherwise(F.lit(Outcome.OK.value))
                )
            second[name] = hashed
            if outcome_columns:
                second[f"{name}{outcome_suffix}"] = outcome
        return df.withColumns(first).withColumns(second).drop(*temporary)

    return transform


def normalization_report(
    df: Any, spec: ColumnSpec | Mapping[str, str | PiiType], *, outcome_suffix: str = OUTCOME_SUFFIX
) -> NormalizationReport:
    """Counts per column and outcome from the outcome columns, by one aggregation (a few rows back)."""
    F = _functions()
    columns = ColumnSpec.coerce(spec)
    report = NormalizationReport()
    if not columns:
        return report
    stacked = None
    for name in columns:
        part = df.select(F.lit(name).alias("column"), F.col(f"`{name}{outcome_suffix}`").alias("outcome"))
        stacked = part if stacked is None else stacked.unionByName(part)
    assert stacked is not None
    for row in stacked.groupBy("column", "outcome").count().toLocalIterator():
        outcome, _, reason = str(row["outcome"]).partition(":")
        report.add(row["column"], columns[row["column"]], outcome, reason or None, int(row["count"]))
    return report
