"""Artifact-bucket policy: let every registered instance's data-upload AWS account read the staged data.

The statement and its 20 KB limit are AMC's (`amc_client.s3_contract`); their errors
(`BucketPolicyTooLargeError`, `S3ContractError`) propagate and `api.errors` maps them.

Two writers share the one policy S3 allows per bucket: CloudFormation writes the statements the stack
defines (TLS only) whenever they change, and the API merges the AMC statement in when instances are saved.
A deploy therefore drops the AMC statement; `restore_after_deploy` (the stack's post-deploy custom
resource, deploy/cdk/README.md) writes the template's statements plus the AMC statement of the stored
instances right after it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from amc_client import s3_contract
from amc_uploader.api.domain_errors import BucketPolicyRejectedError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from amc_uploader.api.repositories import SettingsRepository

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


def merged_policy(existing: dict[str, Any] | None, bucket: str, account_ids: list[str]) -> dict[str, Any]:
    """The policy to write: the AMC statement merged in, with its size check."""
    return s3_contract.merge_bucket_policy(existing, bucket, sorted(set(account_ids)))


def apply_bucket_policy(s3: S3Client, bucket: str, account_ids: list[str]) -> None:
    """Read-merge-write of the AMC statement; S3 refusing the result is a `BucketPolicyRejectedError`."""
    try:
        s3_contract.apply_bucket_policy(s3, bucket, sorted(set(account_ids)))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise BucketPolicyRejectedError(f"S3 refused the bucket policy ({code}).") from None
    logger.info("bucket policy updated", extra={"bucket": bucket, "accounts": len(set(account_ids))})


def restore_after_deploy(
    s3: S3Client, bucket: str, stack_policy: Mapping[str, Any] | str, settings: SettingsRepository
) -> int:
    """Write the stack's policy (as the template defines it) with the stored instances' AMC statement.

    Built from the template rather than read back from S3, so an instance save racing the deploy cannot
    put the previous release's statements back. Returns the number of data-upload accounts granted.
    """
    accounts = sorted({i.data_upload_aws_account_id for i in settings.list_instances()})
    policy = s3_contract.merge_bucket_policy(stack_policy, bucket, accounts)
    try:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy, separators=(",", ":")))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise BucketPolicyRejectedError(f"S3 refused the bucket policy ({code}).") from None
    logger.info("AMC grants restored after deploy", extra={"bucket": bucket, "accounts": len(accounts)})
    return len(accounts)
