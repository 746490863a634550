"""Spark adapter: DataFrame -> DataFrame transforms that hash PII columns exactly like `hash_value`.

Use with ``df.transform(hash_pii_columns(spec, "US"))``. Nothing is collected to the driver; the report
comes from an aggregation (``normalization_report``).

How a column runs (byte-identical to the Python rules in this package):

- native for ASCII values, pandas UDF for the rest, when the type's module has a ``spark_native`` form
  (`amc_normalize.rule.PiiRule`). On ASCII text those rules only use ASCII case mapping and ASCII
  character classes, which Spark's ``translate`` and Java regexes reproduce exactly. Unicode
  lowercasing (``ß``, ``İ``, final sigma, Java's and Python's Unicode versions) is not provably the
  same in both, so non-ASCII values go through the UDF, which calls the Python rule itself.
- pandas UDF for every value otherwise (PHONE: libphonenumber; ADDRESS: token tables).

Outcome codes (optional ``<column>__outcome`` columns): ``OK``, ``NULL``, ``PREHASHED`` and
``INVALID:<reason>`` with the same reasons as `hash_detailed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from amc_normalize.extras import needs_extra, require

with needs_extra("spark", "amc_normalize.spark"):
    import pandas as pd

from amc_normalize.common import spark_is_blank, spark_is_prehashed
from amc_normalize.core import get_hasher, get_rule, pii_rule
from amc_normalize.errors import SchemaError
from amc_normalize.records import ColumnSpec
from amc_normalize.registry import resolve
from amc_normalize.report import NormalizationReport
from amc_normalize.types import Outcome, PiiType

__all__ = [
    "OUTCOME_SUFFIX",
    "column_strategy",
    "hash_pii_columns",
    "normalization_report",
]

OUTCOME_SUFFIX = "__outcome"


def column_strategy(pii_type: str | PiiType) -> str:
    """``hybrid`` (native for ASCII values, UDF otherwise) or ``udf``."""
    return "udf" if pii_rule(pii_type).spark_native is None else "hybrid"


def _functions() -> Any:
    return require("pyspark.sql.functions", "amc_normalize.spark")


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
            raise SchemaError(f"columns not in the DataFrame: {', '.join(missing)}", columns=tuple(missing))
        first: dict[str, Any] = {}
        second: dict[str, Any] = {}
        temporary: list[str] = []
        for i, (name, (t, cc)) in enumerate(rules.items()):
            raw = F.col(f"`{name}`").cast("string")
            cls, pre, udf = f"__amc_cls_{i}", f"__amc_pre_{i}", f"__amc_udf_{i}"
            native = pii_rule(t).spark_native
            if native is None:
                first[udf] = _hash_udf(t, cc)(raw)
                temporary.append(udf)
                hashed, outcome = F.col(udf)["hash"], F.col(udf)["outcome"]
            else:
                expensive, finish = native(raw, cc)
                # Cheap tests first: a string is ASCII iff its UTF-8 byte length equals its length.
                klass = (
                    F.when(spark_is_blank(raw), F.lit(0))
                    .when(spark_is_prehashed(raw), F.lit(1))
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
