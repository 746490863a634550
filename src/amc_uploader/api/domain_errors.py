"""Errors of the backend's domain code (job service, bucket policy). They carry no HTTP status:
`amc_uploader.api.errors.to_api_error` maps each one to its answer, in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the backend's domain errors; messages are ours and never quote a value."""


class UploadInProgressError(DomainError):
    """Another worker holds the lease for this manifest; the caller (Lambda) retries later."""


class NotAStagedManifestError(DomainError):
    """The object is not a manifest staged in the artifact bucket, or its job record names another one."""


class JobRecordMissingError(DomainError):
    """No job record beside the manifest: nothing says what to upload."""


class BucketPolicyRejectedError(DomainError):
    """S3 refused the merged bucket policy (e.g. an account id it does not know)."""
