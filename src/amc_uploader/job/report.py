"""The job report: normalization outcomes plus row counts, timestamp failures, bytes, partitions, duration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["JobProgress", "JobReport"]


class JobProgress(BaseModel):
    """Passed to the ``progress`` callback now and then (rows and input bytes so far)."""

    phase: str
    rows: int = 0
    bytes_read: int = 0
    total_bytes: int | None = None


class JobReport(BaseModel):
    """Counts only: no value of the data ever appears here."""

    job_id: str
    engine: str
    dataset_id: str
    country_code: str | None
    country_column: str | None = None
    inputs: list[str]
    input_format: str
    file_format: str
    output_columns: list[str]
    pii_columns: dict[str, str]
    timestamp_columns: dict[str, str]
    rows_in: int = 0
    rows_out: int = 0
    rows_dropped: int = 0
    timestamp_failures: dict[str, int] = Field(default_factory=dict)
    max_timestamp_failure_share: float = 0.0
    normalization: dict[str, Any] = Field(default_factory=dict)
    #: `amc_uploader.job.consent.ConsentCounts.to_dict()`: empty when consent played no part.
    consent: dict[str, Any] = Field(default_factory=dict)
    partitions: int = 0
    bytes_written: int = 0
    instances: list[str] = Field(default_factory=list)
    dry_run: bool = False
    stage_only: bool = False
    started_at: datetime
    duration_seconds: float = 0.0

    def normalization_report(self) -> Any:
        """The normalization part as an ``amc_normalize.NormalizationReport``."""
        from amc_normalize import NormalizationReport

        return NormalizationReport.from_dict(self.normalization)

    def render(self) -> Any:
        """A rich renderable: summary table plus the normalization table."""
        from rich.console import Group
        from rich.table import Table

        summary = Table(title=f"Job {self.job_id}", show_header=False)
        summary.add_column("field")
        summary.add_column("value", justify="right")
        for label, value in (
            ("engine", self.engine),
            ("rows in", f"{self.rows_in:,}"),
            ("rows out", f"{self.rows_out:,}"),
            ("rows dropped", f"{self.rows_dropped:,}"),
            ("partitions", f"{self.partitions:,}"),
            ("bytes written (gzip, per instance)", f"{self.bytes_written:,}"),
            ("instances", ", ".join(self.instances) or "-"),
            ("duration", f"{self.duration_seconds:.1f} s"),
        ):
            summary.add_row(label, value)
        for column, failures in self.timestamp_failures.items():
            summary.add_row(f"timestamp failures: {column}", f"{failures:,}")
        for label, value in consent_rows(self.consent):
            summary.add_row(label, value)
        parts: list[Any] = [summary]
        if self.normalization:
            normalization = self.normalization_report()
            parts.append(normalization.render())
            countries = normalization.render_countries()
            if countries is not None:
                parts.append(countries)
        return Group(*parts)


def consent_rows(consent: dict[str, Any]) -> list[tuple[str, str]]:
    """The report table's consent lines (label, value): counts only."""
    if not consent:
        return []
    rows = [
        ("consent policy (EEA/UK rows)", str(consent["policy"])),
        ("EEA/UK rows", f"{consent['eea_uk_rows']:,}"),
    ]
    rows += [(f"consent signal: {s}", f"{n:,}") for s, n in consent["signals"].items()]
    rows += [(f"{reason}", f"{n:,}") for reason, n in consent["reasons"].items()]
    rows.append(("rows dropped for consent", f"{consent['rows_dropped']:,}"))
    if consent["rows_kept_without_consent"]:
        rows.append(("rows kept without consent", f"{consent['rows_kept_without_consent']:,}"))
    for column, reasons in consent["invalid_values"].items():
        rows += [(f"invalid consent: {column} ({r})", f"{n:,}") for r, n in reasons.items()]
    return rows
