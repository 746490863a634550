"""A file of people to forget -> one AMC identity map per person (spec B.13: hashed PII type -> hash).

Each person's identifiers are normalized and hashed by the rules of that person's own country (the country
column's value, else the default country), exactly as an upload hashes them, so the hashes AMC is asked to
forget are the ones it holds. Values already hashed (64 hex) pass through. A blank or invalid identifier is
left out and counted by reason; a person with none left is counted by line number and never sent (an
identity of sha256("") would name nobody, or everybody whose upload hashed an empty value).
Nothing here keeps or reports a clear-text value: only counts, column names and line numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amc_client import MAX_DELETION_IDENTITIES, HashedPiiType
from amc_normalize import (
    SUPPORTED_COUNTRIES,
    ColumnSpec,
    NormalizationConfigError,
    Outcome,
    PiiType,
)
from amc_normalize.country import resolve_country
from amc_normalize.registry import canonical_country
from amc_normalize.row_country import row_hasher, rules_key
from amc_uploader.io import CsvDialect, RecordFileError, Source, cell_text, open_table

#: Line numbers listed for people without any usable identifier (all of them are counted).
MAX_LISTED_LINES = 100


Identity = dict[str, str]


class ErasureConfigError(ValueError):
    """The erasure request cannot be built as configured (bad `--pii`, country, columns)."""


def parse_pii(entries: Iterable[str] | Mapping[str, str | PiiType]) -> dict[str, PiiType]:
    """`COLUMN=TYPE` strings (or a mapping) -> column -> PII type, for identity maps.

    Every type must be an AMC hashed PII type: NAME (a full name) is not one, and an identity map holds
    one value per type, so two columns of one type are refused.
    """
    try:
        spec = ColumnSpec(entries) if isinstance(entries, Mapping) else ColumnSpec.parse(entries)
    except NormalizationConfigError as exc:
        raise ErasureConfigError(str(exc)) from None
    if not spec:
        raise ErasureConfigError("no identifier columns: give at least one --pii COLUMN=TYPE")
    seen: dict[PiiType, str] = {}
    for column, pii_type in spec.items():
        if pii_type.value not in HashedPiiType.__members__:
            raise ErasureConfigError(
                f"column {column!r}: {pii_type.value} is not an AMC identity type; "
                "split full names into FIRST_NAME and LAST_NAME columns"
            )
        if pii_type in seen:
            raise ErasureConfigError(
                f"columns {seen[pii_type]!r} and {column!r} are both {pii_type.value}: an identity "
                "holds one value per type"
            )
        seen[pii_type] = column
    return dict(spec.items())


@dataclass
class ColumnCounts:
    """Outcomes of one identifier column; `invalid` counts by reason code."""

    ok: int = 0
    prehashed: int = 0
    null: int = 0
    invalid: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "prehashed": self.prehashed,
            "null": self.null,
            "invalid": sum(self.invalid.values()),
            "invalid_by_reason": dict(sorted(self.invalid.items())),
        }


@dataclass
class IdentityReport:
    """What became of the file: rows, identities, people left out, per column and per country counts."""

    rows: int = 0
    identities: int = 0
    duplicates: int = 0
    without_identifiers: int = 0
    lines_without_identifiers: list[int] = field(default_factory=list)
    countries: Counter[str] = field(default_factory=Counter)
    country_reasons: Counter[str] = field(default_factory=Counter)
    columns: dict[str, ColumnCounts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "identities": self.identities,
            "duplicates": self.duplicates,
            "without_identifiers": self.without_identifiers,
            "lines_without_identifiers": list(self.lines_without_identifiers),
            "countries": dict(sorted(self.countries.items())),
            "country_reasons": dict(sorted(self.country_reasons.items())),
            "columns": {name: counts.to_dict() for name, counts in self.columns.items()},
        }


@dataclass
class ErasureInput:
    """The identities to send (one per distinct person, hashes only) and the report of the file."""

    identities: list[Identity]
    report: IdentityReport

    def batches(self, size: int = MAX_DELETION_IDENTITIES) -> list[list[Identity]]:
        if not 1 <= size <= MAX_DELETION_IDENTITIES:
            raise ErasureConfigError(f"batch size must be 1 to {MAX_DELETION_IDENTITIES}")
        return [self.identities[i : i + size] for i in range(0, len(self.identities), size)]


def read_identities(
    path: str | Path | Source,
    pii: Mapping[str, PiiType],
    *,
    country: str | None = None,
    country_column: str | None = None,
    dialect: CsvDialect | None = None,
    s3_client: Any = None,
) -> ErasureInput:
    """Read a CSV / JSON lines file (plain or gzip; local or `s3://`) of people to forget into identity maps.

    `country` is the country of every row, or with `country_column` the default for rows whose country is
    blank. A row whose country is unknown or has no rules here keeps its email, names and `+` phones; its
    other identifiers are left out with reason `country.unknown` / `country.unsupported`.
    Raises `RecordFileError` (file, line, column; never a value) and `ErasureConfigError`.
    """
    default = _default_country(country)
    report = IdentityReport(columns={name: ColumnCounts() for name in pii})
    identities: list[Identity] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    with open_table(path, dialect=dialect, s3_client=s3_client) as table:
        header = table.columns
        for name in [*pii, *([country_column] if country_column else [])]:
            if name not in header:
                raise RecordFileError(table.source.name, "not in the file's header", column=name)
        positions = [(name, header.index(name), pii_type) for name, pii_type in pii.items()]
        country_at = header.index(country_column) if country_column else None
        for line, values in table.rows(empty_as_none=True):
            report.rows += 1
            cell = cell_text(values[country_at]) if country_at is not None else None
            resolved = resolve_country(cell, default)
            report.countries[resolved.code or "unknown"] += 1
            if resolved.reason is not None:
                report.country_reasons[resolved.reason] += 1
            identity = _identity(values, positions, rules_key(resolved), report)
            if not identity:
                report.without_identifiers += 1
                if len(report.lines_without_identifiers) < MAX_LISTED_LINES:
                    report.lines_without_identifiers.append(line)
                continue
            key = tuple(sorted(identity.items()))
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            identities.append(identity)
        if report.rows == 0:
            raise table.no_rows()
    report.identities = len(identities)
    return ErasureInput(identities, report)


def _default_country(country: str | None) -> str | None:
    if country is None or not country.strip():
        return None
    code = canonical_country(country)
    if code not in SUPPORTED_COUNTRIES:
        supported = ", ".join(sorted(SUPPORTED_COUNTRIES))
        raise ErasureConfigError(f"country {country.strip()!r} is not supported; supported: {supported}")
    return code


def _identity(
    values: list[Any],
    positions: list[tuple[str, int, PiiType]],
    rules: str,
    report: IdentityReport,
) -> Identity:
    identity: Identity = {}
    for name, index, pii_type in positions:
        # The raw cell: a nested or boolean value is invalid (value.nested / value.boolean), never text.
        result = row_hasher(pii_type, rules)(values[index])
        counts = report.columns[name]
        if result.outcome is Outcome.OK:
            counts.ok += 1
        elif result.outcome is Outcome.PREHASHED:
            counts.prehashed += 1
        elif result.outcome is Outcome.NULL:
            counts.null += 1
            continue
        else:
            counts.invalid[result.reason or "invalid"] += 1
            continue
        assert result.value is not None
        identity[pii_type.value] = result.value
    return identity
