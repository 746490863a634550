"""Job runners: Glue `StartJobRun` in AWS, an in-process worker locally."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.models import Job
from amc_uploader.job.layout import JOB_CONFIG_PREFIX

if TYPE_CHECKING:
    from amc_uploader.api.aws import AwsClients

logger = logging.getLogger(__name__)


def config_key(job_id: str) -> str:
    return f"{JOB_CONFIG_PREFIX}{job_id}/job-config.json"


class GlueJobRunner:
    """Writes the JobConfig JSON to the artifact bucket and starts the Glue job with `--config_uri`."""

    def __init__(self, settings: ApiSettings, aws: AwsClients):
        self._settings = settings
        self._aws = aws

    def submit(self, job: Job) -> str | None:
        from amc_uploader.api.engine import build_job_config

        assert self._settings.glue_job_name
        config = build_job_config(job.request, self._settings, job_id=job.job_id, engine="spark")
        key = config_key(job.job_id)
        self._aws.s3.put_object(
            Bucket=self._settings.artifact_bucket,
            Key=key,
            Body=config.model_dump_json().encode(),
            ContentType="application/json",
        )
        out = self._aws.glue.start_job_run(
            JobName=self._settings.glue_job_name,
            Arguments={"--config_uri": f"s3://{self._settings.artifact_bucket}/{key}"},
        )
        run_id = out["JobRunId"]
        logger.info("glue run started", extra={"job_id": job.job_id, "run_id": run_id})
        return run_id

    def cancel(self, job: Job) -> bool:
        if not job.run_id:
            return True
        assert self._settings.glue_job_name
        out = self._aws.glue.batch_stop_job_run(JobName=self._settings.glue_job_name, JobRunIds=[job.run_id])
        return not out.get("Errors")

    def state(self, job: Job) -> str | None:
        """The Glue run state (RUNNING, SUCCEEDED, FAILED, ...); None when Glue cannot say now."""
        if not job.run_id or not self._settings.glue_job_name:
            return None
        try:
            run = self._aws.glue.get_job_run(JobName=self._settings.glue_job_name, RunId=job.run_id)["JobRun"]
        except ClientError:
            return None
        return run.get("JobRunState")


class LocalJobRunner:
    """One background worker thread (jobs run one after the other), calling `execute(job_id)`."""

    def __init__(self, execute: Callable[[str], None], *, queue_delay: float = 0.0):
        self._execute = execute
        self._delay = queue_delay
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="amc-job")
        self._lock = threading.Lock()

    def submit(self, job: Job) -> str | None:
        self._pool.submit(self._run, job.job_id)
        return None

    def _run(self, job_id: str) -> None:
        if self._delay:
            time.sleep(self._delay)
        try:
            self._execute(job_id)
        except Exception as exc:
            logger.error("local job crashed", extra={"job_id": job_id, "error_type": type(exc).__name__})

    def cancel(self, job: Job) -> bool:
        # The worker skips jobs that are no longer QUEUED when it picks them up.
        return True

    def state(self, job: Job) -> str | None:
        # The job's own status is the only state of an in-process run.
        return None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
