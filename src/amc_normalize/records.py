"""Record API: a column spec (column -> PII type) and streaming normalization of dict records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from amc_normalize.core import classify_missing, get_hash_function, get_rule
from amc_normalize.errors import SchemaError, UnsupportedCountryError
from amc_normalize.registry import parse_pii_type
from amc_normalize.report import NormalizationReport
from amc_normalize.row_country import RowCountries
from amc_normalize.types import Outcome, PiiType


class ColumnSpec(Mapping[str, PiiType]):
    """Immutable mapping column name -> PiiType. Columns not in the spec pass through untouched."""

    __slots__ = ("_columns",)

    def __init__(
        self, columns: Mapping[str, str | PiiType] | Iterable[tuple[str, str | PiiType]] = ()
    ) -> None:
        items = columns.items() if isinstance(columns, Mapping) else columns
        parsed: dict[str, PiiType] = {}
        for name, pii_type in items:
            if not isinstance(name, str) or not name:
                raise SchemaError("column names in a spec must be non-empty strings")
            if name in parsed:
                raise SchemaError(f"column {name!r} appears twice in the spec", columns=(name,))
            parsed[name] = parse_pii_type(pii_type)
        self._columns = parsed

    @classmethod
    def parse(cls, entries: Iterable[str]) -> ColumnSpec:
        """From `COLUMN=TYPE` strings (CLI `--pii`); the last `=` separates, so names may contain `=`."""
        pairs: list[tuple[str, str]] = []
        for entry in entries:
            name, sep, pii_type = entry.rpartition("=")
            if not sep or not name.strip() or not pii_type.strip():
                raise SchemaError(f"expected COLUMN=TYPE, got {entry!r}")
            pairs.append((name.strip(), pii_type.strip()))
        return cls(pairs)

    @classmethod
    def coerce(cls, spec: ColumnSpec | Mapping[str, str | PiiType]) -> ColumnSpec:
        return spec if isinstance(spec, ColumnSpec) else cls(spec)

    def __getitem__(self, key: str) -> PiiType:
        return self._columns[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __hash__(self) -> int:
        return hash(tuple(self._columns.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v.value}" for k, v in self._columns.items())
        return f"ColumnSpec({inner})"

    def to_strings(self) -> list[str]:
        return [f"{k}={v.value}" for k, v in self._columns.items()]

    def missing(self, columns: Iterable[str]) -> tuple[str, ...]:
        present = set(columns)
        return tuple(c for c in self._columns if c not in present)

    def check_columns(self, columns: Sequence[str], *, source: str = "input") -> None:
        """Raise SchemaError naming every spec column the input lacks."""
        missing = self.missing(columns)
        if missing:
            raise SchemaError(
                f"{source}: column(s) {', '.join(repr(c) for c in missing)} named in the PII spec "
                f"not found (columns: {', '.join(columns)})",
                columns=missing,
            )

    def validate(self, country_code: str) -> None:
        """Compile every column's rule now: unknown types / unsupported countries raise here."""
        for pii_type in self._columns.values():
            get_rule(pii_type, country_code)


def normalize_records(
    records: Iterable[Mapping[str, Any]],
    spec: ColumnSpec | Mapping[str, str | PiiType],
    country_code: str | None,
    *,
    report: NormalizationReport | None = None,
    country_column: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream records with every spec column replaced by its hash (or None); other columns untouched.

    With `country_column`, each record is normalized by the rules of the country in that column
    (`amc_normalize.country`; `country_code`, which may then be None, is the default for blank cells),
    the column holds the resolved alpha-2 code (None when unknown) and the report counts per country.

    Configuration errors are raised before the first record is read; a spec column missing from the
    first record raises SchemaError (later records lacking it count as null). Counts are added to
    `report` when the stream ends or is closed.
    """
    column_spec = ColumnSpec.coerce(spec)
    if country_column is not None:
        return _normalize_by_row_country(records, column_spec, country_column, country_code, report)
    if country_code is None:
        raise UnsupportedCountryError("None")
    compiled = [
        (name, get_hash_function(t, country_code), get_rule(t, country_code), t)
        for name, t in column_spec.items()
    ]
    return _normalize_stream(records, column_spec, compiled, report)


def _normalize_stream(
    records: Iterable[Mapping[str, Any]],
    spec: ColumnSpec,
    compiled: list[Any],
    report: NormalizationReport | None,
) -> Iterator[dict[str, Any]]:
    columns = [(name, fn, index) for index, (name, fn, _, _) in enumerate(compiled)]
    # Only the uncommon outcomes are counted per value; OK is what remains of the row count.
    nulls = [0] * len(compiled)
    prehashed = [0] * len(compiled)
    invalid: list[Counter[str]] = [Counter() for _ in compiled]
    rules = [rule for _, _, rule, _ in compiled]
    rows = 0
    checked = False
    try:
        iterator = iter(records)
        first = next(iterator, None)
        if first is None:
            checked = True  # an empty input still reports every column, with zero rows
            return
        spec.check_columns(list(first), source="first record")
        checked = True
        for batch in ((first,), iterator):
            for record in batch:
                out = dict(record)
                for name, fn, index in columns:
                    value = record.get(name)
                    digest = fn(value)
                    if digest is None:
                        outcome, reason = classify_missing(rules[index], value)
                        if outcome is Outcome.NULL:
                            nulls[index] += 1
                        else:
                            invalid[index][reason or "unknown"] += 1
                    elif digest is value:
                        prehashed[index] += 1
                    out[name] = digest
                rows += 1
                yield out
    finally:
        if report is not None and checked:
            for i, (name, _, _, t) in enumerate(compiled):
                report.add_counts(
                    name,
                    t,
                    rows=rows,
                    null=nulls[i],
                    prehashed=prehashed[i],
                    invalid_by_reason=dict(invalid[i]),
                )


def _normalize_by_row_country(
    records: Iterable[Mapping[str, Any]],
    spec: ColumnSpec,
    country_column: str,
    default: str | None,
    report: NormalizationReport | None,
) -> Iterator[dict[str, Any]]:
    if country_column in spec:
        raise SchemaError(
            f"the country column {country_column!r} cannot be a PII column", columns=(country_column,)
        )
    countries = RowCountries(list(spec.items()), default)  # a bad default raises now
    return _stream_by_row_country(records, spec, country_column, countries, report)


def _stream_by_row_country(
    records: Iterable[Mapping[str, Any]],
    spec: ColumnSpec,
    country_column: str,
    countries: RowCountries,
    report: NormalizationReport | None,
) -> Iterator[dict[str, Any]]:
    checked = False
    try:
        iterator = iter(records)
        first = next(iterator, None)
        if first is None:
            checked = True
            return
        spec.check_columns(list(first), source="first record")
        if country_column not in first:
            raise SchemaError(
                f"first record: country column {country_column!r} not found", columns=(country_column,)
            )
        checked = True
        rows_for = countries.rows_for
        keys = list(enumerate(spec))
        for batch in ((first,), iterator):
            for record in batch:
                out = dict(record)
                entry = rows_for(record.get(country_column))
                out[country_column] = entry.code
                # A spec column missing from a later record counts as null, as in the single-country path.
                for _, name in keys:
                    out.setdefault(name, None)
                entry.hash_into(out, keys)
                yield out
    finally:
        if report is not None and checked:
            countries.add_to(report)
