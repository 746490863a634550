"""Row transform of the local engine: drop, normalize + hash PII, convert TIMESTAMP/DATE columns.

Counts go into plain counters while streaming and become a ``NormalizationReport`` at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from amc_normalize import NormalizationReport, Outcome, classify_missing, get_hash_function
from amc_normalize.core import get_rule
from amc_uploader.job.config import ColumnDataType
from amc_uploader.job.consent import ConsentCheck, consent_failure, row_action
from amc_uploader.job.countries import RowCountryHashing
from amc_uploader.job.errors import DataQualityError
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.timestamps import convert_date, convert_timestamp

__all__ = ["RowTransformer", "TimestampConverter", "timestamp_converter", "timestamp_converters"]


TimestampConverter = tuple[int, str, Callable[[Any], str | None]]


def timestamp_converter(kind: ColumnDataType) -> Callable[[Any], str | None]:
    """The per-value converter of a DATE or TIMESTAMP column (both engines; `batch_converter` for batches)."""
    return convert_date if kind is ColumnDataType.DATE else convert_timestamp


def timestamp_converters(plan: JobPlan) -> list[TimestampConverter]:
    """(output position, column, converter) for every DATE or TIMESTAMP column of the plan."""
    return [
        (pos, column, timestamp_converter(plan.timestamp_columns[column]))
        for pos, column in enumerate(plan.output_columns)
        if column in plan.timestamp_columns
    ]


class RowTransformer:
    """``values in input order -> values in output order``, or None for a dropped row."""

    def __init__(self, plan: JobPlan) -> None:
        index = {name: i for i, name in enumerate(plan.header)}
        self.keep = [index[c] for c in plan.output_columns]
        country = plan.country_code or ""
        per_row = plan.config.country_column is not None  # then the rules are chosen per row
        # (position, column, type, hash function, rule, [ok, null, prehashed], invalid by reason)
        self.pii: list[tuple[int, str, str, Any, Any, list[int], Counter[str]]] = [
            (
                pos,
                column,
                plan.pii[column],
                None if per_row else get_hash_function(plan.pii[column], country),
                None if per_row else get_rule(plan.pii[column], country),
                [0, 0, 0],
                Counter(),
            )
            for pos, column in enumerate(plan.output_columns)
            if column in plan.pii
        ]
        self.timestamps = timestamp_converters(plan)
        self.event_time = plan.config.event_time
        # With a country column, each row's hash functions are its country's (job/countries.py).
        self.by_country = (
            RowCountryHashing(plan, [(pos, column, t) for pos, column, t, *_ in self.pii])
            if per_row
            else None
        )
        self.country = plan.country_code
        self.consent = ConsentCheck(
            plan.config.consent,
            {c: pos for pos, c in enumerate(plan.output_columns)},
            plan.config.missing_consent,
        )
        self.timestamp_failures: Counter[str] = Counter()
        # Where each column first failed (file, line): reported without the value.
        self.first_failure: dict[str, tuple[str, int]] = {}
        self.source = ""
        self.line = 0
        self.rows_in = 0
        self.rows_out = 0

    def __call__(self, values: list[Any]) -> list[Any] | None:
        self.rows_in += 1
        out = [values[i] for i in self.keep]
        dropped = False
        for pos, column, convert in self.timestamps:
            raw = out[pos]
            if raw is None or raw == "":
                if column == self.event_time:
                    self._fail(column)
                    dropped = True
                out[pos] = None
                continue
            converted = convert(raw)
            if converted is None:
                self._fail(column)
                dropped = True
            out[pos] = converted
        if dropped:
            return None
        by_country = self.by_country
        entry = None if by_country is None else by_country.rows_for(values)
        # The row's resolved country; the consent rule is per row (consent.py).
        reason = self.consent(out, self.country if entry is None else entry.code)
        action = row_action(reason, self.consent.counts.policy)
        if action == "failed" and reason is not None:  # normally caught before staging (first_violation)
            raise DataQualityError(consent_failure(self.source, self.line, reason))
        if action == "dropped":
            return None
        if by_country is not None and entry is not None:
            by_country.hash_row(entry, out)
            self.rows_out += 1
            return out
        for pos, _, _, hash_one, rule, counts, invalid in self.pii:
            raw = out[pos]
            digest = hash_one(raw)
            if digest is None:
                outcome, reason = classify_missing(rule, raw)
                if outcome is Outcome.NULL:
                    counts[1] += 1
                else:
                    invalid[reason or "unknown"] += 1
            elif digest is raw:  # prehashed values pass through as the same object
                counts[2] += 1
            else:
                counts[0] += 1
            out[pos] = digest
        self.rows_out += 1
        return out

    def _fail(self, column: str) -> None:
        self.timestamp_failures[column] += 1
        self.first_failure.setdefault(column, (self.source, self.line))

    def normalization_report(self) -> NormalizationReport:
        if self.by_country is not None:
            return self.by_country.normalization_report()
        report = NormalizationReport()
        for _, column, pii_type, _, _, (ok, null, prehashed), invalid in self.pii:
            for outcome, count in ((Outcome.OK, ok), (Outcome.NULL, null), (Outcome.PREHASHED, prehashed)):
                if count:
                    report.add(column, pii_type, outcome, None, count)
            for reason, count in sorted(invalid.items()):
                report.add(column, pii_type, Outcome.INVALID, reason, count)
        return report
