"""The upload job: read, normalize, stage and upload, locally (streaming) or on Spark / AWS Glue.

    from amc_uploader.job import JobConfig, run_job

    config = JobConfig.load("job.toml")          # or JobConfig(...) / JobConfig.from_mapping({...})
    result = run_job(config)                      # amc=AmcClient.from_env() when an upload is due
    result.report.rows_out, result.upload_ids    # report JSON also staged next to the files

job.toml::

    inputs = ["data/customers-*.csv.gz"]          # paths, globs, directories, s3:// URIs
    dataset_id = "customers"
    country_code = "US"
    event_time = "purchase_ts"                    # FACT dataset; TIMESTAMP -> yyyy-MM-ddTHH:mm:ssZ
    drop = ["internal_note"]
    instances = ["amcinstance01"]
    output = "s3://my-artifact-bucket"            # or a local directory (file:// manifest)
    engine = "local"                              # or "spark" (CLI / Glue entry start the session)
    [pii]
    email = "EMAIL"
    phone = "PHONE"
    [column_types]
    birthday = "DATE"

CLI: ``amc-uploader run --config job.toml`` or the same fields as flags (``--input``, ``--pii
email=EMAIL``, ``--dry-run``, ``--stage-only``, ...). Glue: ``glue_entry/amc_transformations.py``.
"""

from __future__ import annotations

from amc_uploader.job.config import ColumnDataType, CsvOptions, InputFormat, JobConfig, OutputFormat
from amc_uploader.job.errors import DataQualityError, InputError, JobConfigError, JobError, StagingError
from amc_uploader.job.layout import StagingLayout, new_job_id
from amc_uploader.job.record import JobRecord, PartitionInfo
from amc_uploader.job.report import JobProgress, JobReport
from amc_uploader.job.runner import AmcLike, InstanceResult, JobResult, run_job
from amc_uploader.job.staging import InstanceStage, read_job_record, write_job_record
from amc_uploader.job.target import StagingTarget, TargetSpec, open_target
from amc_uploader.job.timestamps import convert_date, convert_timestamp
from amc_uploader.job.writer import GzipPartitionWriter

__all__ = [
    "AmcLike",
    "ColumnDataType",
    "CsvOptions",
    "DataQualityError",
    "GzipPartitionWriter",
    "InputError",
    "InputFormat",
    "InstanceResult",
    "InstanceStage",
    "JobConfig",
    "JobConfigError",
    "JobError",
    "JobProgress",
    "JobRecord",
    "JobReport",
    "JobResult",
    "OutputFormat",
    "PartitionInfo",
    "StagingError",
    "StagingLayout",
    "StagingTarget",
    "TargetSpec",
    "convert_date",
    "convert_timestamp",
    "new_job_id",
    "open_target",
    "read_job_record",
    "run_job",
    "write_job_record",
]
