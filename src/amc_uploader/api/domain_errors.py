"""Errors of the backend's domain code (repositories, job service, AMC gateway, bucket policy, preview).

They carry no HTTP status: `amc_uploader.api.errors` maps each class to one, in one table. Each class has a
stable machine `code`; an instance may name a more precise one (``NotFound(..., code="job_not_found")``).
Messages are ours: they may name ids and object keys, never a value from a customer file, a token or a
secret.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "BucketPolicyRejectedError",
    "ConcurrentChange",
    "Conflict",
    "DomainError",
    "ErasureNotFound",
    "InstanceNotFound",
    "InvalidRequest",
    "JobInstanceNotFound",
    "JobNotFound",
    "JobRecordMissingError",
    "NotAStagedManifestError",
    "NotConfigured",
    "NotFound",
    "SourceFileNotFound",
    "TriggerNotFound",
    "UploadInProgressError",
]


class DomainError(Exception):
    """Base of the backend's domain errors; never raised itself."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """A job, instance, rule or object the request names does not exist."""

    code = "not_found"


class SourceFileNotFound(NotFound):
    """A source file the request names is not in the bucket."""

    code = "file_not_found"

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"s3://{bucket}/{key} does not exist.")


class InstanceNotFound(NotFound):
    code = "instance_not_found"

    def __init__(self, instance_id: str) -> None:
        super().__init__(f"AMC instance {instance_id} is not registered.")


class JobNotFound(NotFound):
    code = "job_not_found"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job {job_id} does not exist.")


class JobInstanceNotFound(NotFound):
    code = "job_instance_not_found"

    def __init__(self, job_id: str, instance_id: str) -> None:
        super().__init__(f"Job {job_id} has no instance {instance_id}.")


class ErasureNotFound(NotFound):
    code = "erasure_not_found"

    def __init__(self, erasure_id: str) -> None:
        super().__init__(f"Erasure {erasure_id} does not exist.")


class TriggerNotFound(NotFound):
    code = "trigger_not_found"

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Trigger rule {rule_id} does not exist.")


class Conflict(DomainError):
    """The request contradicts the current state (not failed, too late to cancel, changed concurrently)."""

    code = "conflict"


class AlreadyExists(Conflict):
    """An item written as new exists already (a job id, a trigger rule, an instance)."""

    code = "already_exists"


class ConcurrentChange(Conflict):
    """Other writers kept changing the job while this one retried its update."""

    code = "busy"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job {job_id} is being changed concurrently; try again.")


class InvalidRequest(DomainError):
    """The request is well-formed but cannot be carried out as asked (a bad job, file or dataset)."""

    code = "invalid"


class NotConfigured(DomainError):
    """LWA credentials, the Amazon Ads connection or another setting the request needs is missing."""

    code = "not_configured"


class UploadInProgressError(Conflict):
    """Another worker holds the lease for this manifest; the caller (Lambda) retries later."""

    code = "upload_in_progress"


class NotAStagedManifestError(NotFound):
    """The object is not a manifest staged in the artifact bucket, or its job record names another one."""

    code = "not_a_manifest"


class JobRecordMissingError(NotFound):
    """No job record beside the manifest: nothing says what to upload."""

    code = "job_record_missing"


class BucketPolicyRejectedError(InvalidRequest):
    """S3 refused the merged bucket policy (e.g. an account id it does not know)."""

    code = "bucket_policy_rejected"
