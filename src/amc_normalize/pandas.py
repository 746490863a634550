"""pandas adapter: hash the PII columns of a DataFrame (a new frame; the input is not mutated)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from amc_normalize.extras import needs_extra

with needs_extra("pandas", "amc_normalize.pandas"):
    import pandas as pd

from amc_normalize.core import classify_missing, get_batch_hash_function, get_rule
from amc_normalize.errors import SchemaError, UnsupportedCountryError
from amc_normalize.records import ColumnSpec
from amc_normalize.report import NormalizationReport
from amc_normalize.row_country import RowCountries
from amc_normalize.types import Outcome, PiiType

__all__ = ["normalize_frame", "read_csv"]


def read_csv(path: str | Path, spec: ColumnSpec | Mapping[str, str | PiiType], **kwargs: Any) -> pd.DataFrame:
    """`pandas.read_csv` with the PII columns read as text: no float zip codes, no `NA` names as NaN."""
    column_spec = ColumnSpec.coerce(spec)
    dtype = dict(kwargs.pop("dtype", None) or {})
    dtype.update({c: "object" for c in column_spec})
    na_values = {c: [""] for c in column_spec}
    frame: pd.DataFrame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=na_values, **kwargs)
    return frame


def normalize_frame(
    df: pd.DataFrame,
    spec: ColumnSpec | Mapping[str, str | PiiType],
    country_code: str | None,
    *,
    country_column: str | None = None,
) -> tuple[pd.DataFrame, NormalizationReport]:
    """Hash every spec column (64-hex or None); other columns are copied unchanged.

    Numeric cells are read as text (`75236.0` -> `75236`); NaN/None are null. With `country_column`,
    each row follows the rules of its own country (`country_code` is the default for blank cells) and
    that column holds the resolved alpha-2 code (None when unknown); see `normalize_records`.
    """
    column_spec = ColumnSpec.coerce(spec)
    if country_column is not None:
        return _normalize_by_row_country(df, column_spec, country_code, country_column)
    if country_code is None:
        raise UnsupportedCountryError("None")
    column_spec.validate(country_code)
    column_spec.check_columns([str(c) for c in df.columns], source="DataFrame")
    out = df.copy()
    report = NormalizationReport()
    for name, pii_type in column_spec.items():
        hash_batch = get_batch_hash_function(pii_type, country_code)
        rule = get_rule(pii_type, country_code)
        values = [None if cell is pd.NA or cell is pd.NaT else cell for cell in df[name].tolist()]
        digests = hash_batch(values)
        nulls = prehashed = 0
        invalid: Counter[str] = Counter()
        for value, digest in zip(values, digests, strict=True):
            if digest is None:
                outcome, reason = classify_missing(rule, value)
                if outcome is Outcome.NULL:
                    nulls += 1
                else:
                    invalid[reason or "unknown"] += 1
            elif digest is value:
                prehashed += 1
        out[name] = pd.Series(digests, index=df.index, dtype="object")
        report.add_counts(
            name, pii_type, rows=len(values), null=nulls, prehashed=prehashed, invalid_by_reason=dict(invalid)
        )
    return out, report


def _normalize_by_row_country(
    df: pd.DataFrame, spec: ColumnSpec, default: str | None, country_column: str
) -> tuple[pd.DataFrame, NormalizationReport]:
    if country_column in spec:
        raise SchemaError(
            f"the country column {country_column!r} cannot be a PII column", columns=(country_column,)
        )
    countries = RowCountries(list(spec.items()), default)
    spec.check_columns([str(c) for c in df.columns], source="DataFrame")
    if country_column not in df.columns:
        raise SchemaError(
            f"DataFrame: country column {country_column!r} not found", columns=(country_column,)
        )
    entries = [countries.rows_for(_cell(v)) for v in df[country_column].tolist()]
    for entry in entries:
        entry.rows += 1
    out = df.copy()
    out[country_column] = pd.Series([e.code for e in entries], index=df.index, dtype="object")
    for index, name in enumerate(spec):
        digests: list[str | None] = []
        for entry, cell in zip(entries, df[name].tolist(), strict=True):
            value = _cell(cell)
            digest = entry.hash_functions[index](value)
            if digest is None:
                outcome, reason = classify_missing(entry.rules[index], value)
                if outcome is Outcome.NULL:
                    entry.null[index] += 1
                else:
                    entry.invalid[index][reason or "unknown"] += 1
            elif digest is value:
                entry.prehashed[index] += 1
            digests.append(digest)
        out[name] = pd.Series(digests, index=df.index, dtype="object")
    report = NormalizationReport()
    countries.add_to(report)
    return out, report


def _cell(cell: Any) -> Any:
    if cell is pd.NA or cell is pd.NaT or (isinstance(cell, float) and math.isnan(cell)):
        return None
    return cell
