"""The AWS job runner: the JobConfig JSON written to the artifact bucket and Glue StartJobRun called with
`--config_uri` (moto's Glue records runs and executes nothing)."""

from __future__ import annotations

import uuid

from amc_uploader.api.deps import build_backend
from amc_uploader.api.models import JobRequest, JobStatus
from amc_uploader.api.runners import GlueJobRunner, config_key
from amc_uploader.job import JobConfig
from tests.api.conftest import SAMPLE_COLUMNS, SAMPLE_CSV, ApiEnv


def test_glue_runner_writes_config_and_starts_run(api_env: ApiEnv) -> None:
    glue_job = f"amc-transformations-{uuid.uuid4().hex[:6]}"
    api_env.aws.glue.create_job(
        Name=glue_job,
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/amc_transformations.py"},
    )
    settings = api_env.settings.model_copy(update={"glue_job_name": glue_job, "aws_endpoint_url": None})
    backend = build_backend(settings, aws=api_env.aws)
    assert isinstance(backend.runner, GlueJobRunner)
    key = f"glue/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    request = JobRequest.model_validate(
        {
            "sourceKeys": [key],
            "instanceIds": ["amcsandbox01"],
            "datasetId": "glue_dataset",
            "countryCode": "US",
            "columns": SAMPLE_COLUMNS,
        }
    )
    job = backend.jobs.start(request, created_by="tester")
    assert job.status is JobStatus.RUNNING and job.run_id
    body = api_env.aws.s3.get_object(Bucket=settings.artifact_bucket, Key=config_key(job.job_id))[
        "Body"
    ].read()
    config = JobConfig.model_validate_json(body)
    assert config.job_id == job.job_id and config.engine == "spark" and config.stage_only is True
    assert config.inputs == [f"s3://{settings.data_bucket}/{key}"]
    assert config.output == f"s3://{settings.artifact_bucket}"
    assert config.pii["email"] == "EMAIL" and config.event_time == "purchase_time"
    run = api_env.aws.glue.get_job_run(JobName=glue_job, RunId=job.run_id)["JobRun"]
    assert run["Arguments"]["--config_uri"] == f"s3://{settings.artifact_bucket}/{config_key(job.job_id)}"
    # The refresher reads the run state (moto reports SUCCEEDED at once); staging results arrive with
    # the manifests, so the job stays RUNNING until then.
    backend.jobs.refresh_job(backend.jobs_repo.get(job.job_id))
    assert backend.jobs_repo.get(job.job_id).status is JobStatus.RUNNING
