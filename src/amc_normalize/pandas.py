"""pandas adapter: hash the PII columns of a DataFrame into a new frame (the input is not mutated).

`import amc_normalize.pandas` registers the `df.amc` accessor: `df.amc.hash(spec, "US")` returns a new
DataFrame (same index; other columns and their dtypes untouched; a `string` PII column stays `string`,
others become `object`) with the `NormalizationReport` at `out.attrs["amc_report"]`. `hash_frame` is the
same as a function, for `df.pipe(hash_frame, spec, "US")`. `normalize_frame` (a `(frame, report)` tuple)
is kept for existing callers.

pandas typing artefacts are handled here, not in the rules (the record API only ever sees text):
- ZIP columns of an integer dtype (int64, Int64, ...) or a float dtype, in a country whose postcodes are
  all digits (the `digits` rule of `countries.json`: US, DE, FR, ES, IT, IN, JP; not GB or CA), get back
  the leading zeros the integer lost (2134 -> "02134" in the US, 600000 -> "0600000" in JP). Each such
  value is noted `zip.zero_padded` and counted by its outcome (ok).
- PHONE and ZIP columns of a float dtype (one blank cell makes `pd.read_csv` read a numeric column as
  float64): every non-null value is noted `phone.float` / `zip.float`; integral values are read as the
  integer they are (2125550100.0 -> "2125550100"), others (2134.5, inf) are invalid with that reason.
Notes are `ColumnReport.notes`: shown by the report's HTML table and `to_pandas()`, and in `to_dict()`.
With a country column, each row is padded to its own country's length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from amc_normalize.extras import needs_extra

with needs_extra("pandas", "amc_normalize.pandas"):
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_float_dtype, is_integer_dtype

from amc_normalize.common import coerce_text
from amc_normalize.core import classify_missing, get_batch_hash_function, get_rule
from amc_normalize.errors import MissingCountryError, SchemaError
from amc_normalize.records import ColumnSpec
from amc_normalize.registry import SUPPORTED_COUNTRIES, canonical_country, country_rules
from amc_normalize.report import NormalizationReport
from amc_normalize.row_country import RowCountries
from amc_normalize.suggest import Suggestion, suggest_pii_types
from amc_normalize.types import Outcome, PiiType

__all__ = [
    "PHONE_FLOAT",
    "REPORT_ATTR",
    "ZIP_FLOAT",
    "ZIP_ZERO_PADDED",
    "AmcAccessor",
    "hash_frame",
    "normalize_frame",
    "read_csv",
]

#: The key of the report in the hashed frame's `attrs`.
REPORT_ATTR = "amc_report"
#: Notes (`ColumnReport.notes`) of the typing artefacts this adapter repairs or flags.
ZIP_ZERO_PADDED = "zip.zero_padded"
PHONE_FLOAT = "phone.float"
ZIP_FLOAT = "zip.float"
_FLOAT_REASONS = {PiiType.PHONE: PHONE_FLOAT, PiiType.ZIP: ZIP_FLOAT}
#: Rows of the frame `AmcAccessor.suggest` looks at.
SUGGEST_SAMPLE_ROWS = 200

Spec = ColumnSpec | Mapping[str, str | PiiType]


def read_csv(path: str | Path, spec: Spec, **kwargs: Any) -> pd.DataFrame:
    """`pandas.read_csv` with the PII columns read as text: no float zip codes, no `NA` names as NaN."""
    column_spec = ColumnSpec.coerce(spec)
    dtype = dict(kwargs.pop("dtype", None) or {})
    dtype.update({c: "object" for c in column_spec})
    na_values = {c: [""] for c in column_spec}
    frame: pd.DataFrame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=na_values, **kwargs)
    return frame


def hash_frame(
    df: pd.DataFrame, spec: Spec, country_code: str | None = None, *, country_column: str | None = None
) -> pd.DataFrame:
    """A new frame with every spec column hashed (64-hex, or null for null and invalid values) and the
    `NormalizationReport` at `out.attrs[REPORT_ATTR]`; other columns are copied unchanged.

    Cells are read as text (see the module notes for integer and float columns); NaN/None/NA are null.
    With `country_column`, each row follows the rules of its own country (`country_code` is the default
    for blank cells) and that column holds the resolved alpha-2 code (null when unknown); see
    `normalize_records`."""
    column_spec = ColumnSpec.coerce(spec)
    if country_column is not None:
        out, report = _hash_by_row_country(df, column_spec, country_code, country_column)
    else:
        out, report = _hash_one_country(df, column_spec, country_code)
    out.attrs[REPORT_ATTR] = report
    return out


def normalize_frame(
    df: pd.DataFrame, spec: Spec, country_code: str | None, *, country_column: str | None = None
) -> tuple[pd.DataFrame, NormalizationReport]:
    """`hash_frame` as a `(frame, report)` tuple: the original API, kept for compatibility."""
    out = hash_frame(df, spec, country_code, country_column=country_column)
    report: NormalizationReport = out.attrs[REPORT_ATTR]
    return out, report


@pd.api.extensions.register_dataframe_accessor("amc")
class AmcAccessor:
    """`df.amc`: AMC normalization of a DataFrame (registered by `import amc_normalize.pandas`)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def hash(
        self, spec: Spec, country_code: str | None = None, *, country_column: str | None = None
    ) -> pd.DataFrame:
        """`hash_frame(df, ...)`: a new frame, the report at `out.attrs["amc_report"]`."""
        return hash_frame(self._frame, spec, country_code, country_column=country_column)

    def suggest(self, country_code: str | None = None) -> dict[str, Suggestion]:
        """`suggest_pii_types` over the first `SUGGEST_SAMPLE_ROWS` rows (no values in the result)."""
        head = self._frame.head(SUGGEST_SAMPLE_ROWS)
        columns = [str(c) for c in head.columns]
        samples = {str(c): [coerce_text(_cell(v)) for v in head[c].tolist()] for c in head.columns}
        return suggest_pii_types(columns, samples, country_code)

    @property
    def report(self) -> NormalizationReport | None:
        """The report of the run that produced this frame (None for a frame not made by `hash`)."""
        report: NormalizationReport | None = self._frame.attrs.get(REPORT_ATTR)
        return report


def _hash_one_country(
    df: pd.DataFrame, spec: ColumnSpec, country_code: str | None
) -> tuple[pd.DataFrame, NormalizationReport]:
    if country_code is None:
        raise MissingCountryError(SUPPORTED_COUNTRIES)
    spec.validate(country_code)
    spec.check_columns([str(c) for c in df.columns], source="DataFrame")
    width = _digit_zip_length(canonical_country(country_code))
    out = df.copy()
    report = NormalizationReport()
    for name, pii_type in spec.items():
        values, notes, rejected = _prepare(df[name], pii_type, lambda _row: width)
        digests = get_batch_hash_function(pii_type, country_code)(values)
        rule = get_rule(pii_type, country_code)
        nulls = prehashed = 0
        invalid: Counter[str] = Counter()
        for row, (value, digest) in enumerate(zip(values, digests, strict=True)):
            if digest is None:
                reason = rejected.get(row)
                if reason is None:
                    outcome, reason = classify_missing(rule, value)
                    if outcome is Outcome.NULL:
                        nulls += 1
                        continue
                invalid[reason or "unknown"] += 1
            elif digest is value:
                prehashed += 1
        out[name] = _result_series(digests, df[name])
        report.add_counts(
            name, pii_type, rows=len(values), null=nulls, prehashed=prehashed, invalid_by_reason=dict(invalid)
        )
        report.add_notes(name, pii_type, Counter(code for _, code in notes))
    return out, report


def _hash_by_row_country(
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
    widths = [_digit_zip_length(entry.code) for entry in entries]
    out = df.copy()
    out[country_column] = _result_series([e.code for e in entries], df[country_column])
    notes_by_country: dict[str, list[Counter[str]]] = {}
    for index, (name, pii_type) in enumerate(spec.items()):
        values, notes, rejected = _prepare(df[name], pii_type, widths.__getitem__)
        digests: list[str | None] = []
        for row, (entry, value) in enumerate(zip(entries, values, strict=True)):
            digest = None if row in rejected else entry.hash_functions[index](value)
            if digest is None:
                reason = rejected.get(row)
                if reason is None:
                    outcome, reason = classify_missing(entry.rules[index], value)
                    if outcome is Outcome.NULL:
                        entry.null[index] += 1
                        digests.append(None)
                        continue
                entry.invalid[index][reason or "unknown"] += 1
            elif digest is value:
                entry.prehashed[index] += 1
            digests.append(digest)
        out[name] = _result_series(digests, df[name])
        for row, code in notes:
            per_column = notes_by_country.setdefault(entries[row].key, [Counter() for _ in spec])
            per_column[index][code] += 1
    report = NormalizationReport()
    countries.add_to(report)
    for key, per_column in sorted(notes_by_country.items()):
        for counts, (name, pii_type) in zip(per_column, spec.items(), strict=True):
            report.add_notes(name, pii_type, counts, country=key)
    return out, report


def _prepare(
    series: pd.Series[Any], pii_type: PiiType, width_of: Callable[[int], int | None]
) -> tuple[list[Any], list[tuple[int, str]], dict[int, str]]:
    """The cells of a PII column for the hash functions, the notes `(row, code)` of the typing artefacts
    repaired or flagged, and the rows made invalid here `{row: reason}` (see the module notes).
    `width_of(row)`: the all-digit postcode length of the row's country, or None."""
    cells = series.tolist()
    float_reason = _FLOAT_REASONS.get(pii_type)
    dtype = series.dtype
    if float_reason is None or is_bool_dtype(dtype):
        return [_cell(c) for c in cells], [], {}
    if is_float_dtype(dtype):
        from_float = True
    elif is_integer_dtype(dtype):
        from_float = False
    else:
        return [_cell(c) for c in cells], [], {}
    values: list[Any] = []
    notes: list[tuple[int, str]] = []
    rejected: dict[int, str] = {}
    for row, cell in enumerate(cells):
        value = _cell(cell)
        if value is None:
            values.append(None)
            continue
        if from_float:
            notes.append((row, float_reason))
            if not float(value).is_integer():
                rejected[row] = float_reason
                values.append(None)
                continue
        text = str(int(value))
        width = width_of(row) if pii_type is PiiType.ZIP else None
        if width is not None and text.isdigit() and len(text) < width:
            text = text.zfill(width)
            notes.append((row, ZIP_ZERO_PADDED))
        values.append(text)
    return values, notes, rejected


@cache
def _digit_zip_length(country: str | None) -> int | None:
    """The postcode length of a supported country whose postcodes are all digits (US 5, IN 6, JP 7)."""
    if country not in SUPPORTED_COUNTRIES:
        return None
    rule = country_rules(country).zip
    return rule.length if rule.keep == "digits" else None


def _result_series(values: list[Any], like: pd.Series[Any]) -> pd.Series[Any]:
    """A hashed column: `string` when the input column was (nulls as NA), else `object`."""
    dtype = like.dtype if isinstance(like.dtype, pd.StringDtype) else "object"
    return pd.Series(values, index=like.index, dtype=dtype, name=like.name)


def _cell(cell: Any) -> Any:
    if cell is pd.NA or cell is pd.NaT or (isinstance(cell, float) and math.isnan(cell)):
        return None
    return cell
