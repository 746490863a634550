"""Upload jobs: dry run, start, list, get, retry an instance, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.models import DryRunReport, Job, JobList, JobRequest

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post("/dry-run", response_model=DryRunReport, operation_id="dryRunJob")
def dry_run(body: JobRequest, backend: BackendDep, user: UserDep) -> DryRunReport:
    """The normalization report of the job over its files: nothing staged, nothing uploaded."""
    return backend.jobs.dry_run(body)


@router.post("", response_model=Job, status_code=202, operation_id="startJob")
def start_job(body: JobRequest, backend: BackendDep, user: UserDep) -> Job:
    """One job for the file set and the destination instances; progress is polled with getJob."""
    return backend.jobs.start(body, created_by=user.subject)


@router.get("", response_model=JobList, operation_id="listJobs")
def list_jobs(
    backend: BackendDep, user: UserDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> JobList:
    return JobList(items=backend.jobs_repo.list(limit))


@router.get("/{job_id}", response_model=Job, operation_id="getJob")
def get_job(job_id: str, backend: BackendDep, user: UserDep) -> Job:
    """The job; AMC upload states older than a few seconds are refreshed on read (the scheduled
    refresher runs only every few minutes in AWS)."""
    return backend.jobs.fresh(job_id)


@router.post("/{job_id}/instances/{instance_id}/retry", response_model=Job, operation_id="retryJobInstance")
def retry(job_id: str, instance_id: str, backend: BackendDep, user: UserDep) -> Job:
    """Retry a failed instance: a new AMC upload of its staged manifest, or a new run if none was staged."""
    return backend.jobs.retry(job_id, instance_id)


@router.post("/{job_id}/cancel", response_model=Job, operation_id="cancelJob")
def cancel(job_id: str, backend: BackendDep, user: UserDep) -> Job:
    """Cancel a job that has not staged anything yet (409 afterwards)."""
    return backend.jobs.cancel(job_id)
