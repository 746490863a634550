"""The upload job: read, normalize, stage and upload, locally (streaming) or on Spark / AWS Glue."""

from __future__ import annotations

from amc_uploader.job.config import ColumnDataType, CsvOptions, InputFormat, JobConfig, OutputFormat
from amc_uploader.job.errors import DataQualityError, InputError, JobConfigError, JobError
from amc_uploader.job.report import JobProgress, JobReport
from amc_uploader.job.runner import AmcLike, InstanceResult, JobResult, run_job
from amc_uploader.job.timestamps import convert_date, convert_timestamp

__all__ = [
    "AmcLike",
    "ColumnDataType",
    "CsvOptions",
    "DataQualityError",
    "InputError",
    "InputFormat",
    "InstanceResult",
    "JobConfig",
    "JobConfigError",
    "JobError",
    "JobProgress",
    "JobReport",
    "JobResult",
    "OutputFormat",
    "convert_date",
    "convert_timestamp",
    "run_job",
]
