"""Record API: a column spec (column -> PII type) and streaming normalization of dict records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice, repeat
from operator import is_, itemgetter
from typing import Any

from amc_normalize.common import TEXT_INVALID_UNICODE, is_unicode
from amc_normalize.core import classify_missing, get_batch_hash_function, get_rule
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
    first record raises SchemaError (later records lacking it count as null). Counts of the records
    yielded are added to `report` when the stream ends or is closed. Records are read ahead in chunks
    of up to `CHUNK_ROWS` and hashed column by column (`ColumnHasher`).
    """
    column_spec = ColumnSpec.coerce(spec)
    if country_column is not None:
        return _normalize_by_row_country(records, column_spec, country_column, country_code, report)
    if country_code is None:
        raise UnsupportedCountryError("None")
    return _normalize_stream(records, ColumnHasher(column_spec, country_code), report)


#: Records `normalize_records` reads ahead and hashes per column at a time: big enough that the per
#: column work is a few C-level passes, small enough to stay streaming.
CHUNK_ROWS = 256


class ColumnTally:
    """The uncommon outcomes of one column (OK is what remains of the row count)."""

    __slots__ = ("invalid", "null", "prehashed", "rows")

    def __init__(self) -> None:
        self.rows = 0
        self.null = 0
        self.prehashed = 0
        self.invalid: Counter[str] = Counter()


class ColumnHasher:
    """The compiled hash functions of a column spec in one country, applied to column batches.

    `hash_column(i, values)` hashes the i-th spec column's values (`get_batch_hash_function`: digests,
    prehashed values unchanged, None for null / invalid); `outcomes(i, values)` also gives the reasons
    of the invalid values the rule's batch function already knows (`Rule.batch_outcome_function`);
    `tally(i, values, digests, into, reasons)` counts their outcomes. `hash_columns` does both for every
    column of a batch.
    """

    __slots__ = ("batch_functions", "names", "outcome_functions", "rules", "spec", "types")

    def __init__(self, spec: ColumnSpec | Mapping[str, str | PiiType], country_code: str) -> None:
        self.spec = column_spec = ColumnSpec.coerce(spec)
        self.names = list(column_spec)
        self.types = list(column_spec.values())
        self.batch_functions = [get_batch_hash_function(t, country_code) for t in self.types]
        self.rules = [get_rule(t, country_code) for t in self.types]
        self.outcome_functions = [rule.batch_outcome_function for rule in self.rules]

    def hash_column(self, index: int, values: list[Any]) -> list[str | None]:
        return self.batch_functions[index](values)

    def outcomes(self, index: int, values: list[Any]) -> tuple[list[str | None], dict[int, str]]:
        """`hash_column`, and {index: reason} of invalid values whose reason the batch function knew."""
        function = self.outcome_functions[index]
        if function is None:
            return self.batch_functions[index](values), {}
        return function(values)

    def tally(
        self,
        index: int,
        values: list[Any],
        digests: list[str | None],
        into: ColumnTally,
        reasons: Mapping[int, str] | None = None,
    ) -> None:
        """Count `values` (with their `digests`, and `reasons` from `outcomes`) into `into`."""
        into.rows += len(values)
        # A prehashed value comes back as the very object; so does a None value (always a null, no
        # rule asked). `is`, never `==`: cells may be objects whose `==` is no bool (numpy arrays).
        same = sum(map(is_, digests, values))
        missing = digests.count(None)
        if not missing:
            into.prehashed += same
            return
        nulls = sum(map(is_, values, repeat(None)))
        into.prehashed += same - nulls
        into.null += nulls
        if missing == nulls:
            return
        rule = self.rules[index]
        explain = rule.explain
        known = reasons or {}
        invalid = into.invalid
        start = 0
        for _ in range(missing):
            at = digests.index(None, start)
            start = at + 1
            value = values[at]
            if value is None:
                continue
            reason = known.get(at)
            if reason is None:
                if value.__class__ is str:
                    # `classify_missing` for text, inlined: blank is null; a lone surrogate is invalid
                    # before the rule (a blank value has none); else the rule explains.
                    if not value.strip():
                        into.null += 1
                        continue
                    reason = explain(value) if value.isascii() or is_unicode(value) else TEXT_INVALID_UNICODE
                else:
                    outcome, reason = classify_missing(rule, value)
                    if outcome is Outcome.NULL:
                        into.null += 1
                        continue
            invalid[reason or "unknown"] += 1

    def hash_columns(
        self, columns: Mapping[str, list[Any]], report: NormalizationReport | None = None
    ) -> dict[str, list[str | None]]:
        """Every spec column of a column batch (equal-length lists) hashed; counts added to `report`."""
        out: dict[str, list[str | None]] = {}
        for index, name in enumerate(self.names):
            values = columns[name]
            if report is None:
                out[name] = self.hash_column(index, values)
                continue
            digests, reasons = self.outcomes(index, values)
            out[name] = digests
            tally = ColumnTally()
            self.tally(index, values, digests, tally, reasons)
            self.add_to(report, index, tally)
        return out

    def add_to(self, report: NormalizationReport, index: int, tally: ColumnTally) -> None:
        report.add_counts(
            self.names[index],
            self.types[index],
            rows=tally.rows,
            null=tally.null,
            prehashed=tally.prehashed,
            invalid_by_reason=dict(tally.invalid),
        )


def _columns(
    chunk: list[Mapping[str, Any]],
    names: list[str],
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None,
) -> list[list[Any]]:
    """The spec columns of a chunk of records, a missing cell as None."""
    if pick is not None:
        try:
            return [list(column) for column in zip(*map(pick, chunk), strict=True)]
        except KeyError:  # a record lacks a column: it counts as null
            pass
    return [[record.get(name) for record in chunk] for name in names]


def _normalize_stream(
    records: Iterable[Mapping[str, Any]], hasher: ColumnHasher, report: NormalizationReport | None
) -> Iterator[dict[str, Any]]:
    names = hasher.names
    width = range(len(names))
    pick = itemgetter(*names) if len(names) > 1 else None
    tallies = [ColumnTally() for _ in names]
    checked = False
    # The chunk being yielded: its column values and digests, and how many of its rows went out.
    values: list[list[Any]] = []
    digests: list[list[str | None]] = []
    reasons: list[dict[int, str]] = []
    done = 0
    try:
        iterator = iter(records)
        first = next(iterator, None)
        if first is None:
            checked = True  # an empty input still reports every column, with zero rows
            return
        hasher.spec.check_columns(list(first), source="first record")
        checked = True
        chunk: list[Mapping[str, Any]] = [first]
        chunk.extend(islice(iterator, CHUNK_ROWS - 1))
        while chunk:
            values = _columns(chunk, names, pick)
            if report is None:
                digests = [hasher.hash_column(i, values[i]) for i in width]
            else:
                results = [hasher.outcomes(i, values[i]) for i in width]
                digests = [result[0] for result in results]
                reasons = [result[1] for result in results]
            # Output records column by column: a copy of each record, then each spec column set.
            outs = [dict(record) for record in chunk]
            for name, column in zip(names, digests, strict=True):
                for out, digest in zip(outs, column, strict=True):
                    out[name] = digest
            done = 0
            for done, out in enumerate(outs, start=1):  # noqa: B007 (`finally` reads `done`)
                yield out
            if report is not None:
                for i in width:
                    hasher.tally(i, values[i], digests[i], tallies[i], reasons[i])
            values, digests, reasons, done = [], [], [], 0
            chunk = list(islice(iterator, CHUNK_ROWS))
    finally:
        if report is not None and checked:
            if done:  # closed inside a chunk: count the rows that went out
                for i in width:
                    hasher.tally(i, values[i][:done], digests[i][:done], tallies[i], reasons[i])
            for i in width:
                hasher.add_to(report, i, tallies[i])


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
