"""Event handling for the uploader, refresher and post-deploy grants Lambdas (the adapters in
deploy/lambdas stay thin)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from amc_client.errors import BucketPolicyTooLargeError, S3ContractError
from amc_uploader.api.aws import AwsClients
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.deps import Backend, build_backend
from amc_uploader.api.domain_errors import BucketPolicyRejectedError
from amc_uploader.api.policy import restore_after_deploy
from amc_uploader.api.repositories import SettingsRepository
from amc_uploader.job.layout import is_manifest_key

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def default_backend() -> Backend:
    """One backend per Lambda container, from the AMC_* environment."""
    return build_backend(ApiSettings())


def _objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    if "Records" in event:
        out: list[tuple[str, str]] = []
        for record in event["Records"]:
            s3 = record.get("s3") or {}
            bucket = (s3.get("bucket") or {}).get("name")
            key = (s3.get("object") or {}).get("key")
            if bucket and key:
                # S3 event keys are URL-encoded with '+' for spaces.
                out.append((str(bucket), unquote_plus(str(key))))
        return out
    if "bucket" in event and "key" in event:
        return [(str(event["bucket"]), str(event["key"]))]
    raise ValueError("unsupported event: expected S3 Records or {bucket, key}")


def handle_uploader_event(event: dict[str, Any], backend: Backend | None = None) -> dict[str, Any]:
    """Manifests in the artifact bucket get their AMC upload; new data-bucket objects run the trigger
    rules. Anything raised propagates (Lambda retries, then the DLQ)."""
    backend = backend or default_backend()
    settings = backend.settings
    uploads: dict[str, str] = {}
    started: list[str] = []
    ignored = 0
    for bucket, key in _objects(event):
        if bucket == settings.artifact_bucket and is_manifest_key(key):
            uploads[key] = backend.jobs.process_manifest(bucket, key)
        elif bucket == settings.data_bucket:
            started.extend(backend.jobs.on_new_object(bucket, key))
        else:
            ignored += 1
    logger.info(
        "uploader event handled",
        extra={"uploads": len(uploads), "jobs_started": len(started), "ignored": ignored},
    )
    return {"uploads": uploads, "jobsStarted": started, "ignored": ignored}


def handle_refresh(backend: Backend | None = None) -> dict[str, Any]:
    backend = backend or default_backend()
    changed = backend.jobs.refresh()
    logger.info("refresh done", extra={"changed": changed})
    return {"changed": changed}


# Reasons CloudFormation may show for a failed restore (they name a bucket or count, never a value).
_REPORTED_ERRORS = (BucketPolicyRejectedError, BucketPolicyTooLargeError, S3ContractError)


def handle_deploy_event(
    event: dict[str, Any], settings: ApiSettings | None = None, aws: AwsClients | None = None
) -> dict[str, Any]:
    """The `Custom::AmcDataUploadGrants` resource: CloudFormation's request in, its response document out.

    Create and Update (the first deploy of this resource, and every deploy that rewrote the artifact
    bucket policy) write the template's policy with the stored instances' AMC statement; Delete changes
    nothing (the retained bucket keeps its grants). A failure is a FAILED response, which fails the deploy
    and rolls the stack back (the rollback's Update restores the grants for the previous policy).
    """
    settings = settings or ApiSettings()
    props = event.get("ResourceProperties") or {}
    bucket = str(props.get("BucketName") or settings.artifact_bucket)
    response: dict[str, Any] = {
        "Status": "SUCCESS",
        # Stable, so an Update never makes CloudFormation delete the "old" resource.
        "PhysicalResourceId": event.get("PhysicalResourceId") or f"amc-data-upload-grants-{bucket}",
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "Data": {},
    }
    if event.get("RequestType") == "Delete":
        return response
    stack_policy = props.get("StackPolicy")
    if not stack_policy:
        return {**response, "Status": "FAILED", "Reason": "the resource has no StackPolicy property"}
    try:
        aws = aws or AwsClients(region=settings.cognito_region, endpoint_url=settings.aws_endpoint_url)
        repo = SettingsRepository(aws.dynamodb, settings.settings_table)
        accounts = restore_after_deploy(aws.s3, bucket, stack_policy, repo)
    except Exception as exc:
        reason = str(exc)[:500] if isinstance(exc, _REPORTED_ERRORS) else type(exc).__name__
        logger.error("AMC grants not restored", extra={"bucket": bucket, "error": type(exc).__name__})
        return {**response, "Status": "FAILED", "Reason": f"AMC data-upload grants not restored: {reason}"}
    response["Data"] = {"Accounts": str(accounts)}
    return response
