"""AWS Glue 5 job script (Spark 3.5, Python 3.11): run one AMC upload job on Spark.

Arguments (full names, Glue style ``--name value``): either ``--config_uri`` (a JobConfig JSON/TOML in S3
or a local path; the API writes it) or the individual fields: ``--inputs`` (comma-separated),
``--dataset_id``, ``--country_code``, ``--pii`` (``col=TYPE,col=TYPE``), ``--drop``, ``--event_time``,
``--instances``, ``--output``, ``--file_format``, ``--job_id``, ``--update_strategy``,
``--partition_cap_bytes``, ``--stage_only``, ``--s3_endpoint_url``. Given fields override the file.
The library arrives as a wheel through ``--additional-python-modules``. Locally:
``spark-submit --master local[2] glue_entry/amc_transformations.py --config_uri job.json``.
Exits 0 on success, 1 on a job failure, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

FIELDS = (
    "config_uri",
    "inputs",
    "dataset_id",
    "country_code",
    "pii",
    "drop",
    "event_time",
    "instances",
    "output",
    "file_format",
    "job_id",
    "update_strategy",
    "partition_cap_bytes",
    "stage_only",
    "s3_endpoint_url",
)
_LISTS = ("inputs", "drop", "instances")
_SCALARS = (
    "dataset_id",
    "country_code",
    "event_time",
    "output",
    "file_format",
    "job_id",
    "update_strategy",
    "s3_endpoint_url",
)

log = logging.getLogger("amc_transformations")


def parse_arguments(argv: list[str]) -> dict[str, str]:
    """Glue's getResolvedOptions when awsglue is importable (only for the names present), else argparse."""
    present = [name for name in FIELDS if f"--{name}" in argv]
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        for name in FIELDS:
            parser.add_argument(f"--{name}")
        known, _ = parser.parse_known_args(argv[1:])  # Glue adds its own arguments: ignore them
        return {k: v for k, v in vars(known).items() if v is not None}
    resolved: dict[str, str] = getResolvedOptions(argv, present)
    return {name: resolved[name] for name in present}


def build_config(args: dict[str, str]) -> Any:
    from amc_uploader.job import JobConfig

    data: dict[str, Any] = {}
    if "config_uri" in args:
        data = JobConfig.load(args["config_uri"]).model_dump(exclude_unset=True)
    for name in _LISTS:
        if name in args:
            data[name] = [item.strip() for item in args[name].split(",") if item.strip()]
    if "pii" in args:
        pairs = (item.split("=", 1) for item in args["pii"].split(",") if "=" in item)
        data["pii"] = {column.strip(): pii_type.strip() for column, pii_type in pairs}
    for name in _SCALARS:
        if name in args:
            data[name] = args[name]
    if "partition_cap_bytes" in args:
        data["partition_cap_bytes"] = int(args["partition_cap_bytes"])
    if "stage_only" in args:
        data["stage_only"] = args["stage_only"].strip().lower() in ("1", "true", "yes")
    data["engine"] = "spark"
    return JobConfig.from_mapping(data)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    from amc_uploader.job import JobError, run_job
    from amc_uploader.job.spark_engine import build_spark_session

    try:
        config = build_config(parse_arguments(sys.argv if argv is None else argv))
    except (JobError, ValueError) as exc:
        log.error("bad job arguments: %s", exc)
        return 2
    spark = build_spark_session(master="")  # the master comes from Glue / spark-submit
    try:
        result = run_job(config, spark=spark)
    except JobError as exc:
        log.error("job failed: %s", exc)
        return 1
    finally:
        spark.stop()
    summary = {
        "job_id": result.job_id,
        "rows_out": result.report.rows_out,
        "partitions": result.report.partitions,
        "manifests": [i.manifest_uri for i in result.instances],
        "upload_ids": result.upload_ids,
    }
    # The adapter's one output line (Glue keeps stdout in the job's output log).
    sys.stdout.write(json.dumps({"job_done": summary}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
