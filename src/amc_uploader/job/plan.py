"""Validation before any output: discover the inputs, read every header, check every named column.

The result is a ``JobPlan``, the resolved, engine-independent description both engines execute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from amc_uploader.io import FileKind, InputFormat
from amc_uploader.job.config import ColumnDataType, JobConfig, OutputFormat
from amc_uploader.job.errors import InputError
from amc_uploader.job.inputs import InputFile, detect_format, discover_inputs, open_reader

__all__ = ["MAX_INPUT_FILES", "JobPlan", "build_plan"]

# D.1: the reference capped a selection at 200 files (Glue quota); one job here reads them all, so the
# cap only guards against an accidental glob over a whole bucket.
MAX_INPUT_FILES = 10_000


@dataclass(frozen=True)
class JobPlan:
    config: JobConfig
    job_id: str
    inputs: list[InputFile]
    input_format: InputFormat
    gzipped: dict[str, bool]
    header: list[str]
    output_columns: list[str]
    output_format: OutputFormat
    pii: dict[str, str]
    timestamp_columns: dict[str, ColumnDataType]
    total_bytes: int | None = field(default=None)
    #: CSV: the delimiter every file is read with (given, implied by `.tsv`, or sniffed); else None.
    delimiter: str | None = field(default=None)

    @property
    def country_code(self) -> str | None:
        """The job's country; with a country column, the default of blank cells (or None)."""
        return self.config.country_code

    @property
    def country_column(self) -> str | None:
        return self.config.country_column


def build_plan(config: JobConfig, job_id: str, *, s3_client: Any = None) -> JobPlan:
    files = discover_inputs(config.inputs, s3_client=s3_client)
    if len(files) > MAX_INPUT_FILES:
        raise InputError(config.inputs[0], f"{len(files)} input files; at most {MAX_INPUT_FILES} per job")
    kinds: dict[str, FileKind] = {
        f.uri: detect_format(f, config.input_format, s3_client=s3_client) for f in files
    }
    first = files[0]
    input_format = kinds[first.uri].format
    for f in files[1:]:
        if kinds[f.uri].format is not input_format:
            raise InputError(
                f.name,
                f"format {kinds[f.uri].format} differs from {input_format} of {first.name} "
                "(every file of a job must have the same format and columns)",
            )
    header: list[str] | None = None
    delimiter: str | None = None
    for f in files:
        with open_reader(f, input_format, kinds[f.uri].gzip, config.csv, s3_client=s3_client) as reader:
            current = reader.header
            if header is None:
                delimiter = reader.delimiter
            elif reader.delimiter != delimiter:
                raise InputError(
                    f.name, f"columns separated differently than in {first.name} (set csv.delimiter)", line=1
                )
            else:
                _compare_headers(first, header, f, current)
            if input_format is InputFormat.CSV:
                # A header-only CSV fails here, for every engine (Spark would read it as zero rows).
                next(reader.rows(), None)
        if header is None:
            header = current
    assert header is not None
    for column in config.referenced_columns:
        if column not in header:
            missing_in = first.name if len(files) == 1 else f"{first.name} (and every other input)"
            raise InputError(
                missing_in, "column named in the job configuration is not in the file", column=column
            )
    output_columns = [c for c in header if c not in set(config.drop)]
    if not output_columns:
        raise InputError(first.name, "every column is dropped: nothing to upload")
    sizes = [f.size for f in files]
    return JobPlan(
        config=config,
        job_id=job_id,
        inputs=files,
        input_format=input_format,
        gzipped={uri: kind.gzip for uri, kind in kinds.items()},
        header=header,
        output_columns=output_columns,
        output_format=config.output_format_for(input_format),
        pii=dict(config.pii),
        timestamp_columns=config.timestamp_columns,
        total_bytes=None if any(s is None for s in sizes) else sum(s or 0 for s in sizes),
        delimiter=delimiter,
    )


def _compare_headers(first: InputFile, expected: list[str], other: InputFile, actual: list[str]) -> None:
    missing = [i for i, c in enumerate(expected) if c not in actual]
    if missing:
        raise InputError(
            other.name,
            f"column missing (present in {first.name})",
            line=1,
            column=expected[missing[0]],
            position=missing[0] + 1,
        )
    extra = [i for i, c in enumerate(actual) if c not in expected]
    if extra:
        raise InputError(
            other.name,
            f"extra column (not in {first.name})",
            line=1,
            column=actual[extra[0]],
            position=extra[0] + 1,
        )
    if actual != expected:
        moved = next(i for i, (a, e) in enumerate(zip(actual, expected, strict=True)) if a != e)
        raise InputError(
            other.name,
            f"columns in a different order than in {first.name}",
            line=1,
            column=actual[moved],
            position=moved + 1,
        )
