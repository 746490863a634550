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
``INVALID:<reason>`` with the same reasons as `hash_detailed`. A struct, array or map column is
``INVALID:value.nested`` and a boolean column ``INVALID:value.boolean`` (non-null values), as in Python;
``reason_columns`` carries the reasons a reader found before Spark's strings lost them (a lone surrogate,
a JSON object read into a string column).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from amc_normalize.extras import needs_extra, require

with needs_extra("spark", "amc_normalize.spark"):
    import pandas as pd

from amc_normalize.common import (
    SPARK_ASCII_BLANKS,
    TEXT_INVALID_UNICODE,
    VALUE_BOOLEAN,
    VALUE_NESTED,
    spark_is_blank,
    spark_is_prehashed,
)
from amc_normalize.core import get_rule, pii_rule
from amc_normalize.country import COUNTRY_UNKNOWN, COUNTRY_UNSUPPORTED, country_lookup, resolve_country
from amc_normalize.errors import SchemaError, UnsupportedCountryError
from amc_normalize.records import ColumnSpec
from amc_normalize.registry import SUPPORTED_COUNTRIES, resolve
from amc_normalize.report import UNKNOWN_COUNTRY, NormalizationReport
from amc_normalize.row_country import resolve_default, row_hasher
from amc_normalize.types import COUNTRY_INDEPENDENT_TYPES, Outcome, PiiType

__all__ = [
    "OUTCOME_SUFFIX",
    "SparkExecutorError",
    "column_strategy",
    "ensure_executors_can_import",
    "hash_pii_columns",
    "normalization_report",
    "python_completer",
]

OUTCOME_SUFFIX = "__outcome"
_COUNTRY_UDF, _COUNTRY_CODE, _RULES_KEY = "__amc_cc_udf", "__amc_cc", "__amc_rules"
# SPARK_ASCII_BLANKS as a Java regex character class body.
_JAVA_ASCII_BLANKS = "".join(f"\\x{ord(c):02x}" for c in SPARK_ASCII_BLANKS)
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


class SparkExecutorError(RuntimeError):
    """Spark's executors run a Python that cannot run the adapter's UDFs; the message names the fix."""


#: Pure-Python packages the executors need, shipped (`addPyFile`) when their Python lacks them.
_SHIPPABLE = ("amc_normalize", "phonenumbers")
#: Compiled packages the executors need: they cannot be shipped in a zip.
_REQUIRED = ("pandas", "pyarrow")
_PROBE_SOURCE = """
def probe(_, names=NAMES):
    import importlib.util

    return [importlib.util.find_spec(name) is not None for name in names]
"""


def _probe(names: tuple[str, ...]) -> Callable[[Any], list[bool]]:
    # Compiled outside any importable module, so cloudpickle ships the function by value: pickled by
    # reference it would import amc_normalize on the executor, which is what it checks.
    namespace: dict[str, Any] = {"__name__": "_amc_executor_probe", "NAMES": names}
    exec(compile(_PROBE_SOURCE, "<amc_normalize.spark probe>", "exec"), namespace)  # noqa: S102
    return cast(Callable[[Any], list[bool]], namespace["probe"])


def _missing_on_executors(context: Any, names: tuple[str, ...]) -> list[str]:
    try:
        found = context.parallelize([0], 1).map(_probe(names)).collect()[0]
    except Exception as exc:
        raise SparkExecutorError(_fix_hint("could not start Python on Spark's executors")) from exc
    return [name for name, ok in zip(names, found, strict=True) if not ok]


def _fix_hint(problem: str) -> str:
    import sys

    return (
        f"{problem}: run the executors with this Python, set before the session starts: "
        f"os.environ['PYSPARK_PYTHON'] = {sys.executable!r} "
        "(or the session config spark.pyspark.python)"
    )


def _package_zip(names: list[str]) -> str:
    """A zip of the named installed packages (their source and data files), in a temporary directory."""
    import importlib
    import tempfile
    import zipfile
    from pathlib import Path

    target = Path(tempfile.mkdtemp(prefix="amc-pyfiles-")) / "amc_normalize_deps.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            root = Path(cast(str, importlib.import_module(name).__file__)).parent
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    archive.write(path, Path(name) / path.relative_to(root))
    return str(target)


def ensure_executors_can_import(session: Any) -> None:
    """Make this package importable by the session's executors, once per SparkContext: a plain pyspark
    session runs its workers with `python3` from PATH, which may not have it (cloudpickle then fails
    with "No module named 'amc_normalize'"). Missing pure-Python packages (amc_normalize, phonenumbers)
    are shipped with `SparkContext.addPyFile`; missing pandas or pyarrow cannot be, and raise
    `SparkExecutorError` naming the one line that fixes it. Spark Connect sessions are left alone."""
    try:
        context = session.sparkContext
    except Exception:  # Spark Connect: no SparkContext; its server's Python is configured there
        return
    if getattr(context, "_amc_executors_ready", False):
        return
    missing = _missing_on_executors(context, _SHIPPABLE + _REQUIRED)
    compiled = [name for name in missing if name in _REQUIRED]
    if compiled:
        raise SparkExecutorError(_fix_hint(f"Spark's executors have no {' or '.join(compiled)}"))
    if missing:
        context.addPyFile(_package_zip(missing))
        still = _missing_on_executors(context, tuple(missing))
        if still:
            raise SparkExecutorError(_fix_hint(f"Spark's executors cannot import {', '.join(still)}"))
    context._amc_executors_ready = True


def column_strategy(pii_type: str | PiiType) -> str:
    """``hybrid`` (native for ASCII values, UDF otherwise) or ``udf``."""
    return "udf" if pii_rule(pii_type).spark_native is None else "hybrid"


def _functions() -> Any:
    return require("pyspark.sql.functions", "amc_normalize.spark")


def _outcome_code(result: Any) -> str:
    if result.outcome is Outcome.INVALID:
        return f"INVALID:{result.reason}"
    return str(result.outcome.value)


def _hash_udf(pii_type: PiiType, key: str) -> Any:
    """pandas UDF: raw string -> struct(hash, outcome) through the Python rule of one rule key."""
    from pyspark.sql.pandas.functions import pandas_udf

    def hash_udf(values: pd.Series) -> pd.DataFrame:
        hasher = row_hasher(pii_type, key)
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


def _row_hash_udf(pii_type: PiiType) -> Any:
    """pandas UDF: (raw string, rule key) -> struct(hash, outcome): each value by its own row's rules."""
    from pyspark.sql.pandas.functions import pandas_udf

    def hash_by_key(values: pd.Series, keys: pd.Series) -> pd.DataFrame:
        hashers: dict[str, Any] = {}
        null_code = Outcome.NULL.value
        hashes: list[str | None] = []
        outcomes: list[str] = []
        for value, key in zip(values, keys, strict=True):
            if value is None:
                hashes.append(None)
                outcomes.append(null_code)
                continue
            hasher = hashers.get(key)
            if hasher is None:
                hasher = hashers[key] = row_hasher(pii_type, key)
            result = hasher(value if isinstance(value, str) else None)
            hashes.append(result.value)
            outcomes.append(_outcome_code(result))
        return pd.DataFrame({"hash": hashes, "outcome": outcomes})

    return cast(Any, pandas_udf)(hash_by_key, "hash string, outcome string")


def _country_udf(default: str | None) -> Any:
    """pandas UDF: country cell -> resolved alpha-2 code, for the cells Spark cannot key natively."""
    from pyspark.sql.pandas.functions import pandas_udf

    def resolve_cells(values: pd.Series) -> pd.Series:
        return pd.Series(
            [None if v is None else resolve_country(v, default).code for v in values], dtype=object
        )

    return cast(Any, pandas_udf)(resolve_cells, "string")


def _spark_country_key(raw: Any) -> Any:
    """`country_key` in Spark for ASCII text: no dots, ASCII blanks collapsed and trimmed, ASCII lower."""
    F = _functions()
    spaced = F.regexp_replace(F.regexp_replace(raw, r"\.", ""), f"[{_JAVA_ASCII_BLANKS}]+", " ")
    return F.translate(F.btrim(spaced, F.lit(" ")), _UPPER, _LOWER)


def hash_pii_columns(
    spec: ColumnSpec | Mapping[str, str | PiiType],
    country_code: str | None,
    *,
    outcome_columns: bool = False,
    outcome_suffix: str = OUTCOME_SUFFIX,
    country_column: str | None = None,
    reason_columns: Mapping[str, str] | None = None,
    python_suffix: str | None = None,
) -> Callable[[Any], Any]:
    """A transform replacing each spec column by its hash (null for null/invalid); other columns are
    untouched. With ``outcome_columns``, ``<column><suffix>`` holds the outcome code.

    ``python_suffix`` (one country, for a consumer that runs Python over the rows anyway, such as the
    upload job's writer): no Python UDF runs; ``<column><python_suffix>`` holds the text of the rows that
    only the Python rule can hash (null for the others), whose hash and outcome are then null, and
    `python_completer` completes them in that consumer's pass (one Python round trip instead of two).

    ``reason_columns`` maps a spec column to a string column of the DataFrame holding an invalid reason
    already known for the row's value (null: none); such a value is invalid with that reason.

    With ``country_column``, each row follows its own country's rules (``country_code``, then optional,
    is the default of blank cells) and that column holds the resolved alpha-2 code (null when unknown),
    exactly as `amc_normalize.normalize_records` does.

    Two projections: the first computes each value's class (null, prehashed, native, Python), the
    regex part of the native rule and the UDF result; the second derives hash and outcome from them.
    Spark does not collapse a projection whose expensive expressions the next one uses twice, so each
    regex runs once per value.
    """
    columns = ColumnSpec.coerce(spec)
    if country_column is not None and python_suffix is not None:
        raise ValueError("python_suffix needs a single country (no country_column)")
    if country_column is not None:
        return _hash_by_row_country(
            columns,
            country_column,
            country_code,
            outcome_columns=outcome_columns,
            outcome_suffix=outcome_suffix,
            reason_columns=reason_columns or {},
        )
    if country_code is None:
        raise UnsupportedCountryError("None")
    rules = {name: resolve(pii_type, country_code) for name, pii_type in columns.items()}
    for t, cc in rules.values():
        get_rule(t, cc)  # configuration errors now, not inside a task

    def transform(df: Any) -> Any:
        _check_columns(df, columns)
        ensure_executors_can_import(df.sparkSession)
        first: dict[str, Any] = {}
        second: dict[str, Any] = {}
        temporary: list[str] = []
        for i, (name, (t, cc)) in enumerate(rules.items()):
            raw = _text(df, name)
            known = _known_reason(df, name, (reason_columns or {}).get(name))
            pending = None
            if known is _WHOLE_COLUMN:
                hashed, outcome = _invalid_column(df, name)
            elif python_suffix is not None:
                hashed, outcome, pending = _deferred_exprs(raw, t, cc, i, first=first, temporary=temporary)
                hashed, outcome = _with_reason(known, hashed, outcome)
                if known is not None:
                    pending = _functions().when(known.isNull(), pending)
            else:
                hashed, outcome = _column_exprs(raw, t, cc, i, first=first, temporary=temporary)
                hashed, outcome = _with_reason(known, hashed, outcome)
            second[name] = hashed
            if outcome_columns:
                second[f"{name}{outcome_suffix}"] = outcome
            if python_suffix is not None:
                second[f"{name}{python_suffix}"] = pending if pending is not None else _functions().lit(None)
        return df.withColumns(first).withColumns(second).drop(*temporary)

    return transform


_WHOLE_COLUMN = object()


def _type_reason(data_type: Any) -> str | None:
    from pyspark.sql import types as T

    if isinstance(data_type, T.StructType | T.ArrayType | T.MapType):
        return VALUE_NESTED
    if isinstance(data_type, T.BooleanType):
        return VALUE_BOOLEAN
    return None


def _is_binary(df: Any, name: str) -> bool:
    from pyspark.sql import types as T

    return isinstance(df.schema[name].dataType, T.BinaryType)


def _valid_utf8(col: Any) -> Any:
    """Whether binary cells are UTF-8: Java's decoder replaces each invalid sequence (as Python's
    strict decoder rejects it), so only valid bytes survive the round trip."""
    F = _functions()
    return F.encode(F.decode(col, "UTF-8"), "UTF-8") == col


def _text(df: Any, name: str) -> Any:
    """The column's cells as text: a binary cell (Parquet BYTE_ARRAY without a string annotation) is
    decoded as UTF-8 (null when it is no UTF-8; `_known_reason` says why), anything else cast."""
    F = _functions()
    col = F.col(f"`{name}`")
    if _is_binary(df, name):
        return F.when(_valid_utf8(col), F.decode(col, "UTF-8"))
    return col.cast("string")


def _known_reason(df: Any, name: str, reason_column: str | None) -> Any:
    """`_WHOLE_COLUMN` when the column's type is no text (every value invalid), else the column of the
    reasons already known (a reader's reason column, `text.invalid_unicode` for a binary cell that is no
    UTF-8), or None."""
    F = _functions()
    if _type_reason(df.schema[name].dataType) is not None:
        return _WHOLE_COLUMN
    known = None if reason_column is None else F.col(f"`{reason_column}`")
    if _is_binary(df, name):
        col = F.col(f"`{name}`")
        invalid = F.when(col.isNotNull() & ~_valid_utf8(col), F.lit(TEXT_INVALID_UNICODE))
        known = invalid if known is None else F.coalesce(known, invalid)
    return known


def _invalid_column(df: Any, name: str) -> tuple[Any, Any]:
    """A struct/array/map or boolean column: no rule runs; non-null values are invalid."""
    F = _functions()
    reason = _type_reason(df.schema[name].dataType)
    col = F.col(f"`{name}`")
    outcome = F.when(col.isNull(), F.lit(Outcome.NULL.value)).otherwise(F.lit(f"INVALID:{reason}"))
    return F.lit(None).cast("string"), outcome


def _with_reason(reason: Any, hashed: Any, outcome: Any) -> tuple[Any, Any]:
    if reason is None:
        return hashed, outcome
    F = _functions()
    return (
        F.when(reason.isNull(), hashed),
        F.when(reason.isNull(), outcome).otherwise(F.concat(F.lit("INVALID:"), reason)),
    )


def _check_columns(df: Any, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(f"columns not in the DataFrame: {', '.join(missing)}", columns=tuple(missing))


def _classes(raw: Any) -> Any:
    """0 blank, 1 prehashed, 2 ASCII (native), 3 other (Python). Cheap tests first: a string is ASCII iff
    its UTF-8 byte length equals its length."""
    F = _functions()
    return (
        F.when(spark_is_blank(raw), F.lit(0))
        .when(spark_is_prehashed(raw), F.lit(1))
        .when(F.octet_length(raw) == F.length(raw), F.lit(2))
        .otherwise(F.lit(3))
    )


def _column_exprs(
    raw: Any, t: PiiType, key: str, i: int, *, first: dict[str, Any], temporary: list[str]
) -> tuple[Any, Any]:
    """One column under one rule key: adds its first-projection columns, returns (hash, outcome)."""
    F = _functions()
    cls, pre, udf = f"__amc_cls_{i}", f"__amc_pre_{i}", f"__amc_udf_{i}"
    native = pii_rule(t).spark_native
    if native is None:
        first[udf] = _hash_udf(t, key)(raw)
        temporary.append(udf)
        return F.col(udf)["hash"], F.col(udf)["outcome"]
    expensive, finish = native(raw, key)
    klass = _classes(raw)
    first[cls] = klass
    first[pre] = F.when(klass == 2, expensive)
    # Only non-ASCII values reach Python; the others arrive as nulls (cheap through Arrow).
    first[udf] = _hash_udf(t, key)(F.when(klass == 3, raw))
    temporary += [cls, pre, udf]
    text, reason = finish(F.col(pre))
    return _finish_exprs(raw, F.col(cls), F.col(udf), text, reason)


def _deferred_exprs(
    raw: Any, t: PiiType, key: str, i: int, *, first: dict[str, Any], temporary: list[str]
) -> tuple[Any, Any, Any]:
    """`_column_exprs` without the UDF: (hash, outcome, text left to the Python rule); hash and outcome
    are null where that text is not."""
    F = _functions()
    native = pii_rule(t).spark_native
    if native is None:
        return F.lit(None).cast("string"), F.when(raw.isNull(), F.lit(Outcome.NULL.value)), raw
    cls, pre = f"__amc_cls_{i}", f"__amc_pre_{i}"
    expensive, finish = native(raw, key)
    klass = _classes(raw)
    first[cls] = klass
    first[pre] = F.when(klass == 2, expensive)
    temporary += [cls, pre]
    text, reason = finish(F.col(pre))
    c = F.col(cls)
    no_udf = F.struct(F.lit(None).cast("string").alias("hash"), F.lit(None).cast("string").alias("outcome"))
    hashed, outcome = _finish_exprs(raw, c, no_udf, text, reason)
    return hashed, outcome, F.when(c == 3, raw)


def python_completer(
    pii_type: str | PiiType, country_code: str
) -> Callable[[Iterable[str | None], list[str | None], list[str | None]], None]:
    """Completes a `hash_pii_columns(python_suffix=...)` column in Python: for each non-null text of the
    python column, sets the hash and outcome at its position (lists of the batch's values)."""
    t, key = resolve(pii_type, country_code)
    hasher = row_hasher(t, key)

    def complete(texts: Iterable[str | None], hashes: list[str | None], outcomes: list[str | None]) -> None:
        for i, text in enumerate(texts):
            if text is not None:
                result = hasher(text)
                hashes[i] = result.value
                outcomes[i] = _outcome_code(result)

    return complete


def _finish_exprs(raw: Any, c: Any, udf: Any, text: Any, reason: Any) -> tuple[Any, Any]:
    F = _functions()
    hashed = (
        F.when(c == 0, F.lit(None))
        .when(c == 1, raw)
        .when(c == 3, udf["hash"])
        .when(text == "", F.lit(None))
        .otherwise(F.sha2(text, 256))
    )
    outcome = (
        F.when(c == 0, F.lit(Outcome.NULL.value))
        .when(c == 1, F.lit(Outcome.PREHASHED.value))
        .when(c == 3, udf["outcome"])
        .when(text == "", F.concat(F.lit("INVALID:"), reason))
        .otherwise(F.lit(Outcome.OK.value))
    )
    return hashed, outcome


def _hash_by_row_country(
    columns: ColumnSpec,
    country_column: str,
    default: str | None,
    *,
    outcome_columns: bool,
    outcome_suffix: str,
    reason_columns: Mapping[str, str],
) -> Callable[[Any], Any]:
    """`hash_pii_columns` with a country column. The country is resolved natively (a literal map of every
    spelling, keyed like `country_key`; non-ASCII cells through Python); each column is then the
    single-country form per supported country, chosen by `when(rules key == cc)`: natively where the
    single-country path is native, the same UDFs (with the row's rules key) where it is not."""
    if country_column in columns:
        raise SchemaError(
            f"the country column {country_column!r} cannot be a PII column", columns=(country_column,)
        )
    default_code = resolve_default(default)
    countries = sorted(SUPPORTED_COUNTRIES)
    for t in columns.values():
        for cc in countries:
            get_rule(t, cc)

    def transform(df: Any) -> Any:
        F = _functions()
        _check_columns(df, [*columns, country_column])
        ensure_executors_can_import(df.sparkSession)
        rc = F.col(f"`{country_column}`").cast("string")
        default_lit = F.lit(default_code).cast("string")
        lookup = F.create_map(*[F.lit(x) for item in sorted(country_lookup().items()) for x in item])
        is_ascii = F.octet_length(rc) == F.length(rc)
        code = (
            F.when(rc.isNull(), default_lit)
            .when(~is_ascii, F.col(_COUNTRY_UDF))
            .when(F.btrim(rc, F.lit(SPARK_ASCII_BLANKS)) == "", default_lit)
            .otherwise(F.element_at(lookup, _spark_country_key(rc)))
        )
        code_col = F.col(_COUNTRY_CODE)
        key = (
            F.when(code_col.isin(countries), code_col)
            .when(code_col.isNull(), F.lit(COUNTRY_UNKNOWN))
            .otherwise(F.lit(COUNTRY_UNSUPPORTED))
        )
        df = df.withColumns({_COUNTRY_UDF: _country_udf(default_code)(F.when(~is_ascii, rc))})
        df = df.withColumns({_COUNTRY_CODE: code}).withColumns({_RULES_KEY: key})
        rk = F.col(_RULES_KEY)
        first: dict[str, Any] = {}
        second: dict[str, Any] = {}
        temporary = [_COUNTRY_UDF, _COUNTRY_CODE, _RULES_KEY]
        for i, (name, t) in enumerate(columns.items()):
            raw = _text(df, name)
            native = pii_rule(t).spark_native
            known = _known_reason(df, name, reason_columns.get(name))
            if known is _WHOLE_COLUMN:
                hashed, outcome = _invalid_column(df, name)
            elif t in COUNTRY_INDEPENDENT_TYPES:
                hashed, outcome = _column_exprs(raw, t, COUNTRY_UNKNOWN, i, first=first, temporary=temporary)
            elif native is None:
                udf = f"__amc_udf_{i}"
                first[udf] = _row_hash_udf(t)(raw, rk)
                temporary.append(udf)
                hashed, outcome = F.col(udf)["hash"], F.col(udf)["outcome"]
            else:
                hashed, outcome = _per_country_exprs(
                    raw, t, i, rk, countries=countries, first=first, temporary=temporary
                )
            if known is not _WHOLE_COLUMN:
                hashed, outcome = _with_reason(known, hashed, outcome)
            second[name] = hashed
            if outcome_columns:
                second[f"{name}{outcome_suffix}"] = outcome
        second[country_column] = code_col
        return df.withColumns(first).withColumns(second).drop(*temporary)

    return transform


def _per_country_exprs(
    raw: Any,
    t: PiiType,
    i: int,
    rk: Any,
    *,
    countries: list[str],
    first: dict[str, Any],
    temporary: list[str],
) -> tuple[Any, Any]:
    """A native, country-dependent column: each supported country's native form under `when(rk == cc)`;
    rows without rules are invalid with their reason, non-ASCII values go to the UDF with their key."""
    F = _functions()
    cls, pre, udf = f"__amc_cls_{i}", f"__amc_pre_{i}", f"__amc_udf_{i}"
    native = pii_rule(t).spark_native
    assert native is not None
    forms = {cc: native(raw, cc) for cc in countries}
    base = _classes(raw)
    # 4: no rules for this row's country (the Python rule of NO_RULES: invalid with the key as reason).
    klass = F.when((base == 2) & ~rk.isin(countries), F.lit(4)).otherwise(base)
    expensive: Any = F
    for cc, (exp, _) in forms.items():
        expensive = expensive.when(rk == cc, exp)
    first[cls] = klass
    first[pre] = F.when(klass == 2, expensive)
    first[udf] = _row_hash_udf(t)(F.when(klass == 3, raw), rk)
    temporary += [cls, pre, udf]
    text: Any = F
    reason: Any = F
    for cc, (_, finish) in forms.items():
        t_cc, r_cc = finish(F.col(pre))
        text = text.when(rk == cc, t_cc)
        reason = reason.when(rk == cc, r_cc)
    c = F.col(cls)
    hashed, outcome = _finish_exprs(raw, c, F.col(udf), text, reason)
    hashed = F.when(c == 4, F.lit(None)).otherwise(hashed)
    outcome = F.when(c == 4, F.concat(F.lit("INVALID:"), rk)).otherwise(outcome)
    return hashed, outcome


def normalization_report(
    df: Any,
    spec: ColumnSpec | Mapping[str, str | PiiType],
    *,
    outcome_suffix: str = OUTCOME_SUFFIX,
    country_column: str | None = None,
) -> NormalizationReport:
    """Counts per column and outcome from the outcome columns, by one aggregation (a few rows back);
    with ``country_column`` (the resolved codes), per country too."""
    F = _functions()
    columns = ColumnSpec.coerce(spec)
    report = NormalizationReport()
    if not columns:
        return report
    country = (
        F.coalesce(F.col(f"`{country_column}`"), F.lit(UNKNOWN_COUNTRY))
        if country_column is not None
        else F.lit(None).cast("string")
    )
    stacked = None
    for name in columns:
        part = df.select(
            F.lit(name).alias("column"),
            country.alias("country"),
            F.col(f"`{name}{outcome_suffix}`").alias("outcome"),
        )
        stacked = part if stacked is None else stacked.unionByName(part)
    assert stacked is not None
    first = next(iter(columns))
    for row in stacked.groupBy("column", "country", "outcome").count().toLocalIterator():
        outcome, _, reason = str(row["outcome"]).partition(":")
        count = int(row["count"])
        report.add(
            row["column"], columns[row["column"]], outcome, reason or None, count, country=row["country"]
        )
        if row["country"] is not None and row["column"] == first:
            report.add_country_rows(row["country"], count)
    return report
