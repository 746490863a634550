"""Per-row country in a job: the `country_column` rules, the local engine's per-row hashing and the dataset
columns that declare it (docs/amc-api.md B.9, C.1, C.3).

The country column is staged as the resolved upper-case alpha-2 code (null when unknown) and declared
`isCountryCode` (a plain STRING column, never hashed); `country_code` becomes the default of blank cells
and the upload's `countryCode`.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from amc_client.dataset import ColumnDefinition
from amc_client.models import DataType
from amc_normalize import NormalizationReport
from amc_normalize.registry import parse_pii_type
from amc_normalize.report import UNKNOWN_COUNTRY
from amc_normalize.row_country import CountryRows, RowCountries

if TYPE_CHECKING:
    from amc_uploader.job.config import JobConfig
    from amc_uploader.job.plan import JobPlan

__all__ = [
    "RowCountryHashing",
    "count_by_country",
    "country_column_problems",
    "country_report",
    "dataset_columns",
]

# The Spark engine's counter keys: "<column>\t<country>\t<outcome>"; rows per country under _ROWS.
_ROWS = ""


def country_column_problems(config: JobConfig) -> list[str]:
    """What is wrong with the configuration's country column (empty when none is set)."""
    column = config.country_column
    if column is None:
        return []
    problems: list[str] = []
    if not column.strip():
        problems.append("country_column must name a column")
    if column in config.pii:
        problems.append(f"country column {column!r} cannot be a PII column (AMC reads it unhashed)")
    if column in config.consent:
        problems.append(f"country column {column!r} cannot be a consent column")
    if column in config.drop:
        problems.append(f"country column {column!r} is dropped (AMC needs it to know each row's country)")
    if column == config.event_time:
        problems.append(f"country column {column!r} cannot be the event-time column")
    declared = config.column_types.get(column)
    if declared not in (None, DataType.STRING):
        problems.append(f"country column {column!r} must be STRING, not {declared}")
    return problems


class RowCountryHashing:
    """The local engine's PII step with a country column: each row's hash functions come from a dict of
    its country (resolved once per distinct cell), the country cell becomes the resolved code."""

    def __init__(self, plan: JobPlan, pii: list[tuple[int, str, str]]) -> None:
        """`pii`: (output position, column, PII type) of every PII column."""
        column = plan.config.country_column
        assert column is not None
        self.country_index = plan.header.index(column)
        self.country_pos = plan.output_columns.index(column)
        self.keys = [(i, pos) for i, (pos, _, _) in enumerate(pii)]
        self.countries = RowCountries([(c, parse_pii_type(t)) for _, c, t in pii], plan.country_code)
        self._rows_for = self.countries.rows_for

    def rows_for(self, values: list[Any]) -> CountryRows:
        """The country of a row (its input values): its code (`code`) and rules."""
        return self._rows_for(values[self.country_index])

    def hash_row(self, entry: CountryRows, out: list[Any]) -> None:
        """Stage the row (output values) of `entry`'s country: its code, its PII hashed by its rules."""
        out[self.country_pos] = entry.code
        entry.hash_into(out, self.keys)

    def normalization_report(self) -> NormalizationReport:
        report = NormalizationReport()
        self.countries.add_to(report)
        return report


def dataset_columns(plan: JobPlan) -> list[ColumnDefinition]:
    """The dataset columns a job's staged files fit (for `amc_client.build_dataset`): PII columns as hashed
    PII, TIMESTAMP/DATE columns, the main event time, the country column as `isCountryCode`."""
    config = plan.config
    columns: list[ColumnDefinition] = []
    for name in plan.output_columns:
        if name in plan.pii:
            columns.append(ColumnDefinition.model_validate({"name": name, "pii_type": plan.pii[name]}))
        elif name == config.country_column:
            columns.append(ColumnDefinition(name=name, country_code_column=True))
        else:
            data_type = plan.timestamp_columns.get(name) or config.column_types.get(name) or DataType.STRING
            columns.append(
                ColumnDefinition(name=name, data_type=data_type, main_event_time=name == config.event_time)
            )
    return columns


def count_by_country(
    batch: Any, country_index: int, first_outcome: int, outcome_cols: list[str], counts: Counter[str]
) -> None:
    """The Spark engine's counting with a country column (Arrow compute, on the executors): rows per
    country and outcomes per column and country."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    country = pc.fill_null(batch.column(country_index), UNKNOWN_COUNTRY)
    for item in pc.value_counts(country).to_pylist():
        counts[f"{_ROWS}\t{item['values']}\t"] += item["counts"]
    for j, name in enumerate(outcome_cols):
        keyed = pc.binary_join_element_wise(country, batch.column(first_outcome + j), "\t")
        for item in pc.value_counts(keyed).to_pylist():
            counts[f"{name}\t{item['values']}"] += item["counts"]


def country_report(counts: Counter[str], pii: dict[str, str]) -> NormalizationReport:
    """`count_by_country`'s counters, summed over the tasks, as the report."""
    report = NormalizationReport()
    for name, pii_type in pii.items():
        report.add_counts(name, pii_type, rows=0)
    for entry, count in sorted(counts.items()):
        column, country, code = entry.split("\t", 2)
        if column == _ROWS:
            report.add_country_rows(country, count)
            continue
        outcome, _, reason = code.partition(":")
        report.add(column, pii[column], outcome, reason or None, count, country=country)
    return report
