"""Errors of the upload job. Messages name files, lines and columns, never values."""

from __future__ import annotations

from amc_uploader.io import RecordFileError


class JobError(Exception):
    """Base of every job failure."""


class JobConfigError(JobError, ValueError):
    """The job configuration is inconsistent (before any input is read)."""


class InputError(JobError, RecordFileError):
    """An input file cannot be used: the readers' error (file, line, column, reason) as a job failure."""

    @classmethod
    def of(cls, error: RecordFileError) -> InputError:
        return cls(
            error.path,
            error.reason,
            line=error.line,
            column=error.column,
            position=error.position,
            code=error.code,
        )


class DataQualityError(JobError):
    """Too many rows failed a row-level rule (e.g. unparseable timestamps) to upload honestly."""


class StagingError(JobError):
    """A staging request that cannot be honoured: a bad id or key, a bad output location, a partition cap
    outside AMC's limits, a record that does not fit."""
