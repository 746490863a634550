"""Per-row country: each row's PII normalized by the rules of the country in its country column.

AMC reads a row's country from the `isCountryCode` column (docs/amc-api.md B.9, C.1, C.3); the hashes must
then follow that country's rules (docs/normalization.md). `amc_normalize.country` resolves a cell; this
module picks the rules of a resolved row and counts per country.

Rows whose country is unknown or has no rules here (`country.unknown`, `country.unsupported`) keep what
does not depend on a country: names, EMAIL and CITY as everywhere, PHONE in international `+` form;
every other non-blank value is invalid with that reason. Prehashed values pass through as always.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from functools import cache
from typing import Any

from amc_normalize import phone
from amc_normalize.common import HashFunction, compile_hash_function
from amc_normalize.core import (
    PII_RULES,
    classify_missing,
    get_hash_function,
    get_hasher,
    get_rule,
    make_hasher,
)
from amc_normalize.country import COUNTRY_UNKNOWN, COUNTRY_UNSUPPORTED, CountryResolution, resolve_country
from amc_normalize.errors import UnsupportedCountryError
from amc_normalize.registry import SUPPORTED_COUNTRIES, parse_pii_type
from amc_normalize.report import UNKNOWN_COUNTRY, NormalizationReport
from amc_normalize.rule import Rule
from amc_normalize.suggest import Suggestion, suggest_pii_types
from amc_normalize.types import COUNTRY_INDEPENDENT_TYPES, NormalizedValue, Outcome, PiiType

__all__ = [
    "UNKNOWN_COUNTRY",
    "CountryRows",
    "RowCountries",
    "resolve_default",
    "row_hash_function",
    "row_hasher",
    "row_rule",
    "rules_key",
    "suggest_pii_types_by_country",
]

#: Rule keys of rows without country rules (the reasons of `amc_normalize.country`).
NO_RULES = frozenset({COUNTRY_UNKNOWN, COUNTRY_UNSUPPORTED})
# A file holds few spellings of its countries; beyond this many distinct cells, resolve without memo.
_MAX_MEMO = 4096


def rules_key(resolution: CountryResolution) -> str:
    """Which rules a row gets: its (supported) alpha-2 code, or the reason it has none."""
    if resolution.reason is None and resolution.code is not None:
        return resolution.code
    return resolution.reason or COUNTRY_UNKNOWN


def resolve_default(country_code: str | None) -> str | None:
    """The default country of blank cells as an alpha-2 code; a value that is no country raises."""
    if country_code is None or not country_code.strip():
        return None
    resolution = resolve_country(country_code)
    if resolution.code is None:
        raise UnsupportedCountryError(country_code)
    return resolution.code


def _invalid(_: str) -> str:
    return ""


@cache
def row_rule(pii_type: str | PiiType, key: str) -> Rule:
    """The rule of a PII type for rule key `key` (see `rules_key`)."""
    if key not in NO_RULES:
        return get_rule(pii_type, key)
    t = parse_pii_type(pii_type)
    if t in COUNTRY_INDEPENDENT_TYPES:
        return PII_RULES[t].build(key)  # these builders ignore the country
    if t is PiiType.PHONE:
        return phone.build_international_only(key)
    return Rule(kernel=_invalid, explain=lambda _value: key)


@cache
def row_hash_function(pii_type: str | PiiType, key: str) -> HashFunction:
    """`get_hash_function` of a rule key: the country's own for a supported country."""
    if key not in NO_RULES:
        return get_hash_function(pii_type, key)
    return compile_hash_function(row_rule(pii_type, key))


@cache
def row_hasher(pii_type: str | PiiType, key: str) -> Callable[[str | None], NormalizedValue]:
    """`get_hasher` of a rule key (the Spark UDFs' form)."""
    if key not in NO_RULES:
        return get_hasher(pii_type, key)
    return make_hasher(row_rule(pii_type, key), row_hash_function(pii_type, key))


class CountryRows:
    """The rows of one resolved country in a run: the rules of each PII column and their counts."""

    __slots__ = ("code", "hash_functions", "invalid", "key", "null", "prehashed", "rows", "rules")

    def __init__(self, resolution: CountryResolution, types: Sequence[PiiType]) -> None:
        #: What the country column stages (None: unknown); `key` names it in the report.
        self.code = resolution.code
        self.key = resolution.code or UNKNOWN_COUNTRY
        rk = rules_key(resolution)
        self.hash_functions = [row_hash_function(t, rk) for t in types]
        self.rules = [row_rule(t, rk) for t in types]
        self.rows = 0
        self.null = [0] * len(types)
        self.prehashed = [0] * len(types)
        self.invalid: list[Counter[str]] = [Counter() for _ in types]

    def hash_into(
        self, out: MutableSequence[Any] | MutableMapping[Any, Any], keys: Sequence[tuple[int, Any]]
    ) -> None:
        """One row of this country: `out[key]` (a record's field, a row's position) of the PII column
        with index `i`, for each `(i, key)`, becomes its digest (or None); outcomes are counted."""
        self.rows += 1
        functions = self.hash_functions
        for i, key in keys:
            value = out[key]
            digest = functions[i](value)
            if digest is None:
                outcome, reason = classify_missing(self.rules[i], value)
                if outcome is Outcome.NULL:
                    self.null[i] += 1
                else:
                    self.invalid[i][reason or "unknown"] += 1
            elif digest is value:  # prehashed values pass through as the same object
                self.prehashed[i] += 1
            out[key] = digest


class RowCountries:
    """Country cell -> its `CountryRows` (memoized per distinct cell), and the report of them all."""

    def __init__(self, columns: Sequence[tuple[str, PiiType]], default: str | None) -> None:
        self.columns = list(columns)
        self.default = resolve_default(default)
        self._types = [t for _, t in self.columns]
        self._by_cell: dict[object, CountryRows] = {}
        self._by_code: dict[str | None, CountryRows] = {}

    def rows_for(self, cell: object) -> CountryRows:
        try:
            return self._by_cell[cell]
        except KeyError:
            pass
        except TypeError:  # a JSON object or array: not a country
            return self._entry(CountryResolution(None, COUNTRY_UNKNOWN))
        entry = self._entry(resolve_country(cell, self.default))
        if len(self._by_cell) < _MAX_MEMO:
            self._by_cell[cell] = entry
        return entry

    def _entry(self, resolution: CountryResolution) -> CountryRows:
        entry = self._by_code.get(resolution.code)
        if entry is None:
            entry = self._by_code[resolution.code] = CountryRows(resolution, self._types)
        return entry

    def add_to(self, report: NormalizationReport) -> None:
        """Every column's counts, overall and per country, and the rows per country."""
        entries = [e for e in self._by_code.values() if e.rows]  # resolved, then left out (consent)
        if not entries:  # an empty input still reports every column, with zero rows
            for name, t in self.columns:
                report.add_counts(name, t, rows=0)
        for entry in sorted(entries, key=lambda e: e.key):
            report.add_country_rows(entry.key, entry.rows)
            for i, (name, t) in enumerate(self.columns):
                report.add_counts(
                    name,
                    t,
                    rows=entry.rows,
                    null=entry.null[i],
                    prehashed=entry.prehashed[i],
                    invalid_by_reason=dict(entry.invalid[i]),
                    country=entry.key,
                )


def suggest_pii_types_by_country(
    columns: Sequence[str],
    samples: Mapping[str, Sequence[str | None]],
    country_column: str,
    default: str | None = None,
) -> dict[str, Suggestion]:
    """`suggest_pii_types` with each sampled row's own country: the rows are grouped by their resolved
    country, each group is evaluated with its country (no country: without one), and per column the type
    most rows support wins, its confidence weighted by the rows behind it. The country column itself is
    never PII."""
    cells = list(samples.get(country_column, ()))
    resolver = RowCountries([], default)
    groups: dict[str | None, list[int]] = {}
    for index, cell in enumerate(cells):
        entry = resolver.rows_for(cell)
        groups.setdefault(entry.code if entry.code in SUPPORTED_COUNTRIES else None, []).append(index)
    total = max(len(cells), 1)
    per_group = [
        (
            len(rows),
            suggest_pii_types(
                columns, {c: [samples[c][i] for i in rows] for c in columns if c in samples}, code
            ),
        )
        for code, rows in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0] or ""))
    ] or [(total, suggest_pii_types(columns, samples, None))]
    result: dict[str, Suggestion] = {}
    for column in columns:
        if column == country_column:
            result[column] = Suggestion(None, 0.0, "the per-row country column (never hashed)")
            continue
        weights: Counter[PiiType | None] = Counter()
        for size, suggestions in per_group:
            weights[suggestions[column].pii_type] += size
        winner = weights.most_common(1)[0][0]
        confidence = sum(size * s[column].confidence for size, s in per_group if s[column].pii_type is winner)
        reason = next(s[column].reason for _, s in per_group if s[column].pii_type is winner)
        countries = len(per_group)
        note = f"{reason} (rows of {countries} countries)" if countries > 1 else reason
        result[column] = Suggestion(winner, round(confidence / total, 3), note)
    return result
