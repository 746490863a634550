"""Artifact-bucket policy: let every registered instance's data-upload AWS account read the staged data."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from amc_uploader.api.errors import UnprocessableError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)


def read_policy(s3: S3Client, bucket: str) -> dict[str, Any] | None:
    try:
        raw = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
            return None
        raise
    data: dict[str, Any] = json.loads(raw)
    return data


def merged_policy(
    existing: dict[str, Any] | None, bucket: str, account_ids: list[str]
) -> dict[str, Any] | None:
    """The policy to write (None = delete it): the staging contract's merge, with its size check."""
    from amc_client import staging

    try:
        merged: dict[str, Any] | None = staging.merge_bucket_policy(
            existing, bucket, sorted(set(account_ids))
        )
    except ValueError as exc:
        raise UnprocessableError(str(exc)[:300], code="bucket_policy_too_large") from None
    return merged


def apply_bucket_policy(s3: S3Client, bucket: str, account_ids: list[str]) -> None:
    """The staging contract's read-merge-write of the AMC statement, with S3's refusals made 422."""
    from amc_client import staging

    try:
        staging.apply_bucket_policy(s3, bucket, sorted(set(account_ids)))
    except staging.StagingError as exc:
        raise UnprocessableError(str(exc)[:300], code="bucket_policy_invalid") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise UnprocessableError(
            f"S3 refused the bucket policy ({code}).", code="bucket_policy_rejected"
        ) from None
    logger.info("bucket policy updated", extra={"bucket": bucket, "accounts": len(set(account_ids))})
