"""Errors of the upload job. Messages name files, lines and columns, never values."""

from __future__ import annotations


class JobError(Exception):
    """Base of every job failure."""


class JobConfigError(JobError, ValueError):
    """The job configuration is inconsistent (before any input is read)."""


class InputError(JobError):
    """An input file cannot be used: names the file, and where known the line and column."""

    def __init__(self, file: str, reason: str, *, line: int | None = None, column: str | None = None) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        self.column = column
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {reason}")


class DataQualityError(JobError):
    """Too many rows failed a row-level rule (e.g. unparseable timestamps) to upload honestly."""


class StagingError(JobError):
    """A staging request that cannot be honoured: a bad id or key, a bad output location, a partition cap
    outside AMC's limits, a record that does not fit."""
