"""Job orchestration: start, run (local worker), upload each staged manifest, refresh AMC status, triggers.

The uploader path (`process_manifest`) is the one place an AMC upload is created. It is idempotent:
the job record next to the manifest, the jobs table and AMC's own upload list are checked first, and a
short lease in the jobs table keeps two concurrent deliveries of the same S3 event from both creating.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from amc_uploader.api.aws import TTL_ATTRIBUTE
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.errors import ApiError, ConflictError, NotFoundError, describe, to_api_error
from amc_uploader.api.models import (
    DryRunReport,
    InstanceStatus,
    Job,
    JobInstance,
    JobRequest,
    JobStatus,
)
from amc_uploader.api.ports import AmcGateway, JobRunner, UploadSpec
from amc_uploader.api.repositories import JobRepository, SettingsRepository, TriggerRepository, utcnow

if TYPE_CHECKING:
    from amc_uploader.api.aws import AwsClients

logger = logging.getLogger(__name__)

SUCCESS_STATES = frozenset({"SUCCESS", "COMPLETED", "SUCCEEDED"})
FAILED_STATES = frozenset({"FAILED", "FAILURE", "ERROR"})
TERMINAL_JOB = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
LEASE_SECONDS = 300


class UploadInProgressError(ApiError):
    """Another worker holds the lease for this manifest; the caller (Lambda) retries later."""

    status = 409
    code = "upload_in_progress"


def parse_manifest_key(key: str) -> tuple[str, str, str] | None:
    """`amc/<dataset_id>/<job_id>/<instance_id>/manifest.txt` -> (dataset_id, job_id, instance_id)."""
    parts = key.split("/")
    if len(parts) != 5 or parts[0] != "amc" or parts[4] != "manifest.txt" or not all(parts[1:4]):
        return None
    return parts[1], parts[2], parts[3]


def new_job_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


class JobService:
    def __init__(
        self,
        *,
        settings: ApiSettings,
        aws: AwsClients,
        jobs_repo: JobRepository,
        settings_repo: SettingsRepository,
        triggers_repo: TriggerRepository,
        amc: AmcGateway,
        runner: JobRunner | None = None,
    ):
        self.settings = settings
        self.aws = aws
        self.jobs_repo = jobs_repo
        self.settings_repo = settings_repo
        self.triggers_repo = triggers_repo
        self.amc = amc
        self.runner: JobRunner | None = runner
        self._polled: dict[str, float] = {}

    # ---- starting jobs

    def _check_request(self, request: JobRequest) -> None:
        for instance_id in request.instance_ids:
            self.settings_repo.get_instance(instance_id)
        for key in request.source_keys:
            try:
                self.aws.s3.head_object(Bucket=self.settings.data_bucket, Key=key)
            except ClientError:
                raise NotFoundError(
                    f"s3://{self.settings.data_bucket}/{key} does not exist.", code="file_not_found"
                ) from None

    def start(
        self,
        request: JobRequest,
        *,
        created_by: str | None = None,
        trigger_rule_id: str | None = None,
        job_id: str | None = None,
    ) -> Job:
        self._check_request(request)
        now = utcnow()
        job = Job(
            job_id=job_id or new_job_id(),
            status=JobStatus.QUEUED,
            request=request,
            instances=[JobInstance(instance_id=i) for i in request.instance_ids],
            created_by=created_by,
            trigger_rule_id=trigger_rule_id,
            created_at=now,
            updated_at=now,
        )
        self.jobs_repo.create(job)
        logger.info("job queued", extra={"job_id": job.job_id, "instances": len(request.instance_ids)})
        self._submit(job)
        return self.jobs_repo.get(job.job_id)

    def _submit(self, job: Job) -> None:
        assert self.runner is not None
        try:
            run_id = self.runner.submit(job)
        except Exception as exc:
            self._fail_job(job.job_id, exc)
            raise
        if run_id:
            self.jobs_repo.update(
                job.job_id,
                lambda j: (
                    {"run_id": run_id, "status": JobStatus.RUNNING} if j.status is JobStatus.QUEUED else None
                ),
            )

    def dry_run(self, request: JobRequest) -> DryRunReport:
        from amc_uploader.api.engine import run_dry

        self._check_request(request)
        report = run_dry(request, self.settings, self.aws.s3)
        warnings: list[str] = []
        if any(c.pii_type for c in request.columns if not c.drop) and request.country_code is None:
            warnings.append("PII columns without a country: values are hashed without normalization.")
        warnings.extend(_invalid_share_warnings(report))
        return DryRunReport(report=report, warnings=warnings)

    # ---- the local worker

    def execute(self, job_id: str) -> None:
        """Run the staging part of a job in this process, then upload every staged manifest."""
        from amc_uploader.api.engine import run_staging

        claimed = False

        def claim(j: Job) -> dict[str, Any] | None:
            nonlocal claimed
            claimed = j.status is JobStatus.QUEUED
            return {"status": JobStatus.RUNNING} if claimed else None

        self.jobs_repo.update(job_id, claim)
        if not claimed:
            return  # cancelled (or taken) while queued
        job = self.jobs_repo.get(job_id)
        pending = [i.instance_id for i in job.instances if i.status in (InstanceStatus.PENDING,)]
        logger.info("job running", extra={"job_id": job_id, "instances": len(pending)})
        try:
            outcome = run_staging(job, self.settings, self.aws.s3, instance_ids=pending)
        except Exception as exc:
            self._fail_job(job_id, exc)
            return
        self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.STAGED, "report": outcome.report})
        for staged in outcome.staged:
            self.jobs_repo.update_instance(job_id, staged.instance_id, _mark_staged(staged.manifest_key))
        for staged in outcome.staged:
            if staged.manifest_key is None:
                continue
            try:
                self.process_manifest(self.settings.artifact_bucket, staged.manifest_key)
            except Exception as exc:
                logger.warning(
                    "upload request failed",
                    extra={
                        "job_id": job_id,
                        "instance_id": staged.instance_id,
                        "error": describe(exc)["error"],
                    },
                )
        self.update_job_status(job_id)

    def _fail_job(self, job_id: str, exc: BaseException) -> None:
        info = describe(exc)
        if isinstance(exc, Exception) and to_api_error(exc) is None:
            # Unexpected: type and stack locations are logged (never the exception text).
            logger.error(
                "job crashed", extra={"job_id": job_id}, exc_info=(type(exc), exc, exc.__traceback__)
            )
        else:
            logger.warning("job failed", extra={"job_id": job_id, "error": info["error"]})
        job = self.jobs_repo.get(job_id)
        failed = {"status": InstanceStatus.FAILED, "message": info["message"]}
        for inst in job.instances:
            self.jobs_repo.update_instance(
                job_id,
                inst.instance_id,
                lambda i: failed if i.status in (InstanceStatus.PENDING, InstanceStatus.STAGED) else None,
            )
        self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.FAILED, "error": info["message"]})

    # ---- uploader

    def _record_key(self, manifest_key: str) -> str:
        return manifest_key.rsplit("/", 1)[0] + "/job.json"

    def _read_record(self, bucket: str, manifest_key: str) -> dict[str, Any]:
        try:
            body = self.aws.s3.get_object(Bucket=bucket, Key=self._record_key(manifest_key))["Body"].read()
        except ClientError:
            raise NotFoundError(f"No job record next to {manifest_key}.", code="job_record_missing") from None
        data: dict[str, Any] = json.loads(body)
        return data

    def _write_record(self, bucket: str, manifest_key: str, record: dict[str, Any]) -> None:
        self.aws.s3.put_object(
            Bucket=bucket,
            Key=self._record_key(manifest_key),
            Body=json.dumps(record, indent=2).encode(),
            ContentType="application/json",
        )

    def _lease(self, job_id: str, instance_id: str) -> bool:
        table = self.settings.jobs_table
        now = int(time.time())
        try:
            self.aws.dynamodb.put_item(
                TableName=table,
                Item={
                    "pk": {"S": job_id},
                    "sk": {"S": f"lease#{instance_id}"},
                    "data": {"S": "{}"},
                    TTL_ATTRIBUTE: {"N": str(now + LEASE_SECONDS)},
                },
                # `ttl` is a DynamoDB reserved word: referenced through a name placeholder.
                ConditionExpression="attribute_not_exists(pk) OR #ttl < :now",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except self.aws.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _release(self, job_id: str, instance_id: str) -> None:
        self.aws.dynamodb.delete_item(
            TableName=self.settings.jobs_table,
            Key={"pk": {"S": job_id}, "sk": {"S": f"lease#{instance_id}"}},
        )

    def process_manifest(self, bucket: str, manifest_key: str) -> str:
        """Create the AMC upload for one staged manifest unless one exists; returns the upload id."""
        parsed = parse_manifest_key(manifest_key)
        if parsed is None:
            raise NotFoundError(f"{manifest_key} is not a staged manifest key.", code="not_a_manifest")
        dataset_id, job_id, instance_id = parsed
        if not self._lease(job_id, instance_id):
            raise UploadInProgressError(f"An upload of {manifest_key} is being requested already.")
        try:
            return self._process_manifest(bucket, manifest_key, dataset_id, job_id, instance_id)
        except Exception as exc:
            self._mark_instance(
                job_id, instance_id, status=InstanceStatus.FAILED, message=describe(exc)["message"]
            )
            raise
        finally:
            self._release(job_id, instance_id)

    def _job_instance(self, job_id: str, instance_id: str) -> JobInstance | None:
        try:
            return self.jobs_repo.get_instance(job_id, instance_id)
        except NotFoundError:
            return None  # staged by the CLI or another tool: the record alone drives the upload

    def _mark_instance(self, job_id: str, instance_id: str, **fields: Any) -> None:
        self.jobs_repo.update_instance(job_id, instance_id, lambda i: fields)

    def _process_manifest(
        self, bucket: str, manifest_key: str, dataset_id: str, job_id: str, instance_id: str
    ) -> str:
        record = self._read_record(bucket, manifest_key)
        inst = self._job_instance(job_id, instance_id)
        upload_id = _record_upload_id(record) or (inst.upload_id if inst else None)
        instance = self.settings_repo.get_instance(instance_id)
        if upload_id is None:
            for u in self.amc.list_uploads(instance, dataset_id):
                same = u.source_key == manifest_key and (u.source_bucket in (None, bucket))
                if same and (u.status or "").upper() not in FAILED_STATES:
                    upload_id = u.upload_id
                    logger.info("upload adopted", extra={"job_id": job_id, "instance_id": instance_id})
                    break
        if upload_id is None:
            spec = UploadSpec(
                dataset_id=dataset_id,
                bucket=bucket,
                manifest_key=manifest_key,
                file_format=_record_format(record),
                update_strategy=str(_get(record, "update_strategy", "updateStrategy") or "ADDITIVE"),
                country_code=_get(record, "country_code", "countryCode"),
            )
            upload_id = self.amc.create_upload(instance, spec)
            logger.info("upload created", extra={"job_id": job_id, "instance_id": instance_id})
        if _record_upload_id(record) != upload_id:
            record["upload_id"] = upload_id
            self._write_record(bucket, manifest_key, record)
        if inst is not None:
            self._adopt_report(job_id, bucket, record)
        if inst is not None:

            def uploading(i: JobInstance) -> dict[str, Any] | None:
                if i.upload_id == upload_id and i.status is InstanceStatus.UPLOADING:
                    return None
                return {
                    "status": InstanceStatus.UPLOADING,
                    "upload_id": upload_id,
                    "upload_status": i.upload_status if i.upload_id == upload_id else "SUBMITTED",
                    "manifest_key": manifest_key,
                    "message": None,
                }

            self.jobs_repo.update_instance(job_id, instance_id, uploading)
        return upload_id

    def _adopt_report(self, job_id: str, bucket: str, record: dict[str, Any]) -> None:
        """Jobs staged elsewhere (Glue) leave their report next to the manifest: keep it on the job."""
        report_key = _get(record, "report_key", "reportKey")
        if not report_key or self.jobs_repo.get(job_id).report is not None:
            return
        try:
            report = json.loads(self.aws.s3.get_object(Bucket=bucket, Key=str(report_key))["Body"].read())
        except (ClientError, ValueError):
            return
        if isinstance(report, dict):
            self.jobs_repo.update(job_id, lambda j: None if j.report is not None else {"report": report})

    # ---- status refresh

    def refresh(self) -> int:
        """Poll AMC for every non-terminal upload; returns how many instances changed."""
        changed = 0
        for job in self.jobs_repo.list(limit=500):
            if job.status in TERMINAL_JOB:
                continue
            changed += self.refresh_job(job)
        return changed

    def fresh(self, job_id: str) -> Job:
        """The job, with AMC upload states polled first when the last poll is older than
        `status_refresh_seconds`."""
        max_age = self.settings.status_refresh_seconds
        job = self.jobs_repo.get(job_id)
        now = utcnow()
        stale = [
            i
            for i in job.instances
            if i.status is InstanceStatus.UPLOADING
            and (i.updated_at is None or (now - i.updated_at).total_seconds() > max_age)
        ]
        if job.status in TERMINAL_JOB or not stale:
            return job
        # At most one poll per job and `max_age` from this process, however often the browser asks.
        last = self._polled.get(job_id, 0.0)
        if time.monotonic() - last < max_age:
            return job
        self._polled[job_id] = time.monotonic()
        self.refresh_job(job)
        return self.jobs_repo.get(job_id)

    def refresh_job(self, job: Job) -> int:
        changed = 0
        for inst in job.instances:
            if inst.status is not InstanceStatus.UPLOADING or not inst.upload_id:
                continue
            try:
                instance = self.settings_repo.get_instance(inst.instance_id)
                state = self.amc.get_upload(instance, job.request.dataset_id, inst.upload_id)
            except Exception as exc:
                logger.warning(
                    "upload status poll failed",
                    extra={
                        "job_id": job.job_id,
                        "instance_id": inst.instance_id,
                        "error": describe(exc)["error"],
                    },
                )
                continue
            status = (state.status or "").upper()
            new_status = (
                InstanceStatus.SUCCEEDED
                if status in SUCCESS_STATES
                else InstanceStatus.FAILED
                if status in FAILED_STATES
                else InstanceStatus.UPLOADING
            )
            if (
                new_status is not inst.status
                or state.status != inst.upload_status
                or state.metrics != inst.metrics
            ):
                fields = {
                    "status": new_status,
                    "upload_status": state.status,
                    "message": state.message,
                    "metrics": state.metrics,
                }
                polled = inst.upload_id

                def refreshed(
                    i: JobInstance, f: dict[str, Any] = fields, u: str = polled
                ) -> dict[str, Any] | None:
                    # Only if nothing (a retry) replaced the upload meanwhile.
                    return f if i.upload_id == u and i.status is InstanceStatus.UPLOADING else None

                self.jobs_repo.update_instance(job.job_id, inst.instance_id, refreshed)
                changed += 1
        self._refresh_glue(job)
        self.update_job_status(job.job_id)
        return changed

    def _refresh_glue(self, job: Job) -> None:
        state_of = getattr(self.runner, "state", None)
        if job.status is not JobStatus.RUNNING or not job.run_id or state_of is None:
            return
        try:
            state = state_of(job)
        except ClientError:
            return
        if state in ("FAILED", "ERROR", "TIMEOUT", "STOPPED"):
            # Glue's error text may quote data; the run id leads to the logs.
            msg = f"The Glue run {job.run_id} ended {state}; see its logs."
            failed = {"status": InstanceStatus.FAILED, "message": msg}
            for inst in job.instances:
                self.jobs_repo.update_instance(
                    job.job_id,
                    inst.instance_id,
                    lambda i: failed if i.status is InstanceStatus.PENDING else None,
                )
            self.jobs_repo.update(job.job_id, lambda j: {"error": msg})

    def update_job_status(self, job_id: str) -> Job:
        job = self.jobs_repo.get(job_id)
        if job.status is JobStatus.CANCELLED:
            return job
        states = {i.status for i in job.instances}
        if states <= {InstanceStatus.SUCCEEDED}:
            status = JobStatus.SUCCEEDED
        elif states <= {InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.CANCELLED}:
            status = JobStatus.FAILED
        elif InstanceStatus.PENDING in states and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            status = job.status
        else:
            status = JobStatus.STAGED
        if status is not job.status:

            def change(j: Job) -> dict[str, Any] | None:
                # Cancellation wins; otherwise the status follows the instances.
                return None if j.status in (JobStatus.CANCELLED, status) else {"status": status}

            self.jobs_repo.update(job_id, change)
            logger.info("job status", extra={"job_id": job_id, "status": status.value})
        return self.jobs_repo.get(job_id)

    # ---- retry / cancel

    def retry(self, job_id: str, instance_id: str) -> Job:
        inst = self.jobs_repo.get_instance(job_id, instance_id)
        if inst.status is not InstanceStatus.FAILED:
            raise ConflictError(f"Instance {instance_id} of job {job_id} has not failed.", code="not_failed")
        staged = bool(inst.manifest_key and self._manifest_exists(inst.manifest_key))
        claimed = False

        def reset(i: JobInstance) -> dict[str, Any] | None:
            nonlocal claimed
            claimed = i.status is InstanceStatus.FAILED
            if not claimed:
                return None
            status = InstanceStatus.STAGED if staged else InstanceStatus.PENDING
            return {"status": status, "upload_id": None, "upload_status": None, "message": None}

        self.jobs_repo.update_instance(job_id, instance_id, reset)
        if not claimed:
            raise ConflictError(
                f"Instance {instance_id} of job {job_id} is being retried.", code="not_failed"
            )
        if staged and inst.manifest_key:
            record = self._read_record(self.settings.artifact_bucket, inst.manifest_key)
            record.pop("upload_id", None)
            record.pop("uploadId", None)
            self._write_record(self.settings.artifact_bucket, inst.manifest_key, record)
            self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.STAGED, "error": None})
            try:
                self.process_manifest(self.settings.artifact_bucket, inst.manifest_key)
            finally:
                self.update_job_status(job_id)
            return self.jobs_repo.get(job_id)
        # Nothing staged for it: run the job again for this instance only.
        job = self.jobs_repo.update(job_id, lambda j: {"status": JobStatus.QUEUED, "error": None})
        self._submit(job)
        return self.jobs_repo.get(job_id)

    def _manifest_exists(self, key: str) -> bool:
        try:
            self.aws.s3.head_object(Bucket=self.settings.artifact_bucket, Key=key)
        except ClientError:
            return False
        return True

    def cancel(self, job_id: str) -> Job:
        job = self.jobs_repo.get(job_id)
        staged = any(i.status is not InstanceStatus.PENDING for i in job.instances)
        glue_running = job.status is JobStatus.RUNNING and job.run_id is not None
        if staged or not (job.status is JobStatus.QUEUED or glue_running):
            raise ConflictError(f"Job {job_id} cannot be cancelled: staging has started.", code="too_late")
        assert self.runner is not None
        if glue_running and not self.runner.cancel(job):
            raise ConflictError(f"Job {job_id} could not be stopped.", code="too_late")
        cancelled = False

        def change(j: Job) -> dict[str, Any] | None:
            nonlocal cancelled
            cancelled = j.status is JobStatus.QUEUED or (
                j.status is JobStatus.RUNNING and j.run_id is not None
            )
            return {"status": JobStatus.CANCELLED} if cancelled else None

        self.jobs_repo.update(job_id, change)
        if not cancelled:
            raise ConflictError(f"Job {job_id} cannot be cancelled: staging has started.", code="too_late")
        for inst in job.instances:
            self.jobs_repo.update_instance(
                job_id, inst.instance_id, lambda i: {"status": InstanceStatus.CANCELLED}
            )
        logger.info("job cancelled", extra={"job_id": job_id})
        return self.jobs_repo.get(job_id)

    # ---- S3 triggers

    def scan_for_new_objects(self) -> list[str]:
        """Local stack only (no S3 event notifications there): run the trigger path for objects under each
        rule's prefix created after the rule. Deterministic job ids make repeated scans harmless."""
        started: list[str] = []
        for rule in self.triggers_repo.list():
            if not rule.enabled or rule.bucket != self.settings.data_bucket:
                continue
            paginator = self.aws.s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=rule.bucket, Prefix=rule.prefix):
                for obj in page.get("Contents", []):
                    # S3 times have whole seconds.
                    if not obj["Key"].endswith(rule.suffix) or obj["LastModified"] < rule.created_at.replace(
                        microsecond=0
                    ):
                        continue
                    try:
                        started.extend(self.on_new_object(rule.bucket, obj["Key"]))
                    except ApiError as exc:
                        logger.warning("trigger failed", extra={"rule_id": rule.rule_id, "error": exc.code})
        return started

    def on_new_object(self, bucket: str, key: str) -> list[str]:
        """Start the template job of every enabled rule whose prefix/suffix match; returns the job ids.
        The job id derives from rule, object and ETag, so a redelivered event starts nothing new."""
        started: list[str] = []
        rules = [r for r in self.triggers_repo.list() if r.enabled and r.bucket == bucket]
        matching = [r for r in rules if key.startswith(r.prefix) and key.endswith(r.suffix)]
        if not matching:
            return started
        try:
            etag = self.aws.s3.head_object(Bucket=bucket, Key=key).get("ETag", "")
        except ClientError:
            return started
        for rule in matching:
            digest = hashlib.sha256(f"{rule.rule_id}\n{bucket}\n{key}\n{etag}".encode()).hexdigest()[:16]
            job_id = f"trigger-{rule.rule_id}-{digest}"
            request = JobRequest(**rule.template.model_dump(), source_keys=[key])
            try:
                self.start(request, created_by=rule.created_by, trigger_rule_id=rule.rule_id, job_id=job_id)
            except ConflictError:
                continue
            started.append(job_id)
            logger.info("trigger started job", extra={"rule_id": rule.rule_id, "job_id": job_id})
        return started


def _mark_staged(manifest_key: str | None) -> Callable[[JobInstance], dict[str, Any] | None]:
    def change(i: JobInstance) -> dict[str, Any] | None:
        if i.status is not InstanceStatus.PENDING:
            return None
        return {"status": InstanceStatus.STAGED, "manifest_key": manifest_key}

    return change


def _get(record: dict[str, Any], *names: str) -> Any:
    for n in names:
        if record.get(n) is not None:
            return record[n]
    return None


def _record_upload_id(record: dict[str, Any]) -> str | None:
    value = _get(record, "upload_id", "uploadId")
    return str(value) if value else None


def _record_format(record: dict[str, Any]) -> str:
    value = str(_get(record, "file_format", "fileFormat") or "CSV").upper()
    return "JSONL" if value in ("JSON", "JSONL", "JSON_LINES") else "CSV"


def _invalid_share_warnings(report: dict[str, Any], threshold: float = 0.2) -> list[str]:
    warnings: list[str] = []
    norm = report.get("normalization")
    columns = (
        norm.get("columns") if isinstance(norm, dict) and isinstance(norm.get("columns"), dict) else None
    )
    for name, col in (columns or {}).items():
        if not isinstance(col, dict):
            continue
        rows = col.get("rows") or 0
        invalid_n = int(col.get("invalid") or 0)
        if rows and invalid_n / rows > threshold:
            warnings.append(f"Column {name}: {invalid_n} of {rows} values are invalid.")
    return warnings
