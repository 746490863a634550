"""The local engine's batch step: a batch of input rows in, encoded output lines and their counts out.

The same rules as ``RowTransformer`` (drop, TIMESTAMP/DATE conversion, PII hashing, consent, per-row
country), applied column by column where the plan allows it: a job without a country column and without
consent columns converts each timestamp column, hashes each PII column with its batch hash function
(`amc_normalize.get_batch_hash_function`) and formats CSV lines by joining whole columns. A job with a
country column or consent columns decides per row, so its batches go through ``RowTransformer`` row by
row (still one batch per worker). Either way a batch's output bytes are exactly what the row path writes
for the same rows (`output.make_serializer`), and its counts merge into the job's in input order.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from amc_normalize import ColumnHasher, NormalizationReport
from amc_normalize.records import ColumnTally
from amc_uploader.io.limits import FIELD_LIMIT
from amc_uploader.job.consent import CONSENT_MISSING, ConsentCounts, consent_failure, is_eea_uk, row_action
from amc_uploader.job.errors import DataQualityError
from amc_uploader.job.output import encode_columns, make_serializer
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.timestamps import batch_converter, failed_times
from amc_uploader.job.transform import RowTransformer, timestamp_converters

__all__ = [
    "BATCH_ROWS",
    "Batch",
    "BatchCounts",
    "BatchResult",
    "BatchTransformer",
    "NeedsExactRead",
    "RawBatch",
]

#: Rows per batch: large enough that a batch costs far more than its trip to a worker, small enough
#: that the batches in flight stay a few MB.
BATCH_ROWS = 8_192


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive rows of one input file: values in header order and the line each starts on."""

    source: str
    lines: list[int]
    rows: list[list[Any]]


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Whole lines of a CSV file without any quote character nor lone CR (so every line is one record),
    UTF-8 bytes as stored; ``start`` is the line number of the first. The worker parses them with the same
    `csv` parser and rules as `amc_uploader.io` (blank lines skipped, empty fields None)."""

    source: str
    start: int
    data: bytes


class NeedsExactRead(Exception):
    """A `RawBatch` is not what the reader accepts (bad UTF-8, a ragged row ...): the main process reads the
    file with `amc_uploader.io` to fail with its exact message. ``args[0]`` names the file."""


@dataclass
class BatchCounts:
    """What a batch (or the whole job, merged in input order) counted; never a value."""

    rows_in: int = 0
    rows_out: int = 0
    timestamp_failures: Counter[str] = field(default_factory=Counter)
    #: column -> (file, line) of its first timestamp failure
    first_failure: dict[str, tuple[str, int]] = field(default_factory=dict)
    normalization: NormalizationReport = field(default_factory=NormalizationReport)
    consent: ConsentCounts | None = None

    def merge(self, other: BatchCounts) -> None:
        """Add a later batch's counts (first failures: the earliest wins)."""
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.timestamp_failures.update(other.timestamp_failures)
        for column, where in other.first_failure.items():
            self.first_failure.setdefault(column, where)
        self.normalization.merge(other.normalization)
        if other.consent is not None:
            if self.consent is None:
                self.consent = ConsentCounts(other.consent.policy, dict(other.consent.columns))
            self.consent.merge(other.consent)


@dataclass
class BatchResult:
    """A batch's output lines, concatenated (``data``) with each line's length in bytes, and its counts."""

    data: bytes
    lengths: list[int]
    counts: BatchCounts


class BatchTransformer:
    """``Batch -> BatchResult`` for one plan (built once per worker process)."""

    def __init__(self, plan: JobPlan) -> None:
        self.plan = plan
        config = plan.config
        self.serialize = make_serializer(plan.output_format, plan.output_columns)
        self.columnar = config.country_column is None and not config.consent
        index = {name: i for i, name in enumerate(plan.header)}
        self.keep = [index[c] for c in plan.output_columns]
        country = plan.country_code or ""
        pii = [c for c in plan.output_columns if c in plan.pii] if self.columnar else []
        #: The batch hash functions and outcome tally of the PII columns, by their output positions.
        self.hasher = ColumnHasher({c: plan.pii[c] for c in pii}, country)
        self.pii = [plan.output_columns.index(c) for c in pii]
        self.timestamps = [
            (pos, c, batch_converter(convert)) for pos, c, convert in timestamp_converters(plan)
        ]
        self.event_time = config.event_time
        self.delimiter = plan.delimiter or ","
        self.quote = config.csv.quote
        self.width = len(plan.header)
        csv.field_size_limit(FIELD_LIMIT)
        #: One EEA/UK country and no consent column: every row lacks consent (`consent.decide`).
        self.no_consent = is_eea_uk(plan.country_code)
        self.policy = config.missing_consent

    def __call__(self, batch: Batch | RawBatch) -> BatchResult:
        if isinstance(batch, RawBatch):
            if self.columnar:
                split = self.split_columns(batch)
                if split is not None:
                    return self._by_column(batch.source, *split)
            batch = self.parse(batch)
        if not self.columnar:
            return self._by_row(batch)
        return self._by_column(batch.source, batch.lines, list(zip(*batch.rows, strict=True)))

    def columns(self, source: str, lines: Sequence[int], columns: list[Sequence[Any]]) -> BatchResult:
        """A batch given column by column (header order, values as the readers give them) and the line
        each row starts on: the Spark engine's writer hands its Arrow batches' columns here."""
        if not self.columnar:
            return self._by_row(Batch(source, list(lines), [list(row) for row in zip(*columns, strict=True)]))
        return self._by_column(source, lines, columns)

    def split_columns(self, raw: RawBatch) -> tuple[range, list[Sequence[Any]]] | None:
        """The columns of a `RawBatch` without a CSV parser, when its lines are the plain case: no blank
        line, every line exactly ``width`` fields, none longer than the field limit. Then a line is its
        fields joined by the delimiter, which is what `parse` finds; otherwise None (`parse` decides)."""
        try:
            text = raw.data.decode()
        except UnicodeDecodeError:
            raise NeedsExactRead(raw.source) from None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                return None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines or "" in lines or max(map(len, lines)) > FIELD_LIMIT:
            return None
        delimiter, width = self.delimiter, self.width
        if set(map(str.count, lines, repeat(delimiter))) != {width - 1}:
            return None
        cells = delimiter.join(lines).split(delimiter)
        columns: list[Sequence[Any]] = []
        for i in range(width):
            column = cells[i::width]
            columns.append([v or None for v in column] if "" in column else column)
        return range(raw.start, raw.start + len(lines)), columns

    def parse(self, raw: RawBatch) -> Batch:
        """The rows of a `RawBatch` as `DelimitedReader.rows(empty_as_none=True)` gives them; anything it
        would reject raises `NeedsExactRead` (the main process then names file, line and reason)."""
        try:
            text = raw.data.decode()
        except UnicodeDecodeError:
            raise NeedsExactRead(raw.source) from None
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=self.delimiter, quotechar=self.quote, strict=True
        )
        width = self.width
        first = raw.start - 1
        lines: list[int] = []
        rows: list[list[Any]] = []
        try:
            for row in reader:
                if len(row) != width:
                    if not row:
                        continue
                    raise NeedsExactRead(raw.source)
                lines.append(first + reader.line_num)
                rows.append([v if v != "" else None for v in row])
        except csv.Error:
            raise NeedsExactRead(raw.source) from None
        return Batch(raw.source, lines, rows)

    def _by_row(self, batch: Batch) -> BatchResult:
        transform = RowTransformer(self.plan)
        transform.source = batch.source
        serialize = self.serialize
        lines: list[bytes] = []
        for line, values in zip(batch.lines, batch.rows, strict=True):
            transform.line = line
            out = transform(values)
            if out is not None:
                lines.append(serialize(out))
        counts = BatchCounts(
            rows_in=transform.rows_in,
            rows_out=transform.rows_out,
            timestamp_failures=transform.timestamp_failures,
            first_failure=transform.first_failure,
            normalization=transform.normalization_report(),
            consent=transform.consent.counts,
        )
        return BatchResult(b"".join(lines), [len(b) for b in lines], counts)

    def _by_column(self, source: str, lines: Sequence[int], columns: list[Sequence[Any]]) -> BatchResult:
        n = len(lines)
        counts = BatchCounts(rows_in=n, consent=ConsentCounts(self.policy, {}))
        if n == 0:
            return BatchResult(b"", [], counts)
        out: list[Sequence[Any]] = [columns[i] for i in self.keep]
        dropped: set[int] = set()
        for pos, column, convert in self.timestamps:
            values = out[pos]
            converted = convert(values)
            if None in converted:
                flags = failed_times(values, converted, column == self.event_time)
                failed = [j for j, flag in enumerate(flags) if flag]
                if failed:
                    counts.timestamp_failures[column] += len(failed)
                    counts.first_failure[column] = (source, lines[failed[0]])
                    dropped.update(failed)
            out[pos] = converted
        if dropped:
            kept = [j for j in range(n) if j not in dropped]
            out = [[col[j] for j in kept] for col in out]
        rows_out = n - len(dropped)
        if self.no_consent and rows_out:
            assert counts.consent is not None
            counts.consent.add(None, CONSENT_MISSING, rows_out)
            action = row_action(CONSENT_MISSING, self.policy)
            if action == "failed":  # normally caught before staging (consent.first_violation)
                first = next(j for j in range(n) if j not in dropped)
                raise DataQualityError(consent_failure(source, lines[first], CONSENT_MISSING))
            if action == "dropped":
                rows_out = 0
        counts.rows_out = rows_out
        if rows_out == 0:
            return BatchResult(b"", [], counts)
        report = counts.normalization
        hasher = self.hasher
        for index, pos in enumerate(self.pii):
            values = out[pos]
            digests, reasons = hasher.outcomes(index, values)  # type: ignore[arg-type]
            tally = ColumnTally()
            hasher.tally(index, values, digests, tally, reasons)  # type: ignore[arg-type]
            tally.invalid = Counter(dict(sorted(tally.invalid.items())))  # the row path's order
            hasher.add_to(report, index, tally)
            out[pos] = digests
        data, lengths = encode_columns(self.plan.output_format, self.plan.output_columns, out)
        return BatchResult(data, lengths, counts)
