"""What AMC reads from S3 (spec amc-api.md D): the manifest, the object tags and the bucket-policy statement.

AMC ingests gzip data files listed one URI per line in a manifest (D.4), every object tagged
``instanceId=<instance>`` (D.5), from a bucket each instance's data-upload AWS account may read (D.6).
Where the files go and how they are written is the upload job's business, not the client's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from amc_client.errors import BucketPolicyTooLargeError, S3ContractError

__all__ = [
    "MAX_BUCKET_POLICY_BYTES",
    "POLICY_ACTIONS",
    "POLICY_SID",
    "apply_bucket_policy",
    "build_manifest",
    "build_policy_statement",
    "instance_tags",
    "merge_bucket_policy",
    "parse_manifest",
]

# D.6
POLICY_SID = "AllowDataUploadFromAmc"
POLICY_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:GetObjectTagging",
    "s3:GetBucketTagging",
)
# S3's limit on a bucket policy document.
MAX_BUCKET_POLICY_BYTES = 20_480
_ACCOUNT_RE = re.compile(r"\d{12}")


def instance_tags(instance_id: str) -> dict[str, str]:
    """D.5: every data file and manifest carries ``instanceId=<instance id>``."""
    return {"instanceId": instance_id}


def build_manifest(uris: Iterable[str]) -> str:
    """D.4: one URI per line, ``\\n``-separated, no trailing newline."""
    lines = list(uris)
    if not lines:
        raise S3ContractError("a manifest needs at least one data file")
    return "\n".join(lines)


def parse_manifest(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def build_policy_statement(bucket: str, account_ids: Iterable[str]) -> dict[str, Any]:
    """D.6: let each instance's data-upload AWS account read the bucket and its tags."""
    accounts = sorted(set(account_ids))
    for account in accounts:
        if not _ACCOUNT_RE.fullmatch(account):
            raise S3ContractError(f"invalid AWS account id {account!r} (12 digits expected)")
    if not accounts:
        raise S3ContractError("at least one data-upload AWS account id is needed")
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
        "Action": list(POLICY_ACTIONS),
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }


def merge_bucket_policy(
    existing: Mapping[str, Any] | str | None, bucket: str, account_ids: Iterable[str]
) -> dict[str, Any]:
    """Replace (or add, first) the AMC statement and keep every other statement as it was.

    With no account ids the AMC statement is removed. Raises BucketPolicyTooLargeError above 20 KB.
    """
    policy: dict[str, Any]
    if existing is None or existing == "":
        policy = {"Version": "2012-10-17", "Statement": []}
    elif isinstance(existing, str):
        policy = json.loads(existing)
    else:
        policy = json.loads(json.dumps(existing))
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    others = [s for s in statements if s.get("Sid") != POLICY_SID]
    accounts = sorted(set(account_ids))
    merged = [build_policy_statement(bucket, accounts), *others] if accounts else others
    policy["Version"] = policy.get("Version", "2012-10-17")
    policy["Statement"] = merged
    size = len(json.dumps(policy, separators=(",", ":")).encode())
    if size > MAX_BUCKET_POLICY_BYTES:
        raise BucketPolicyTooLargeError(
            f"bucket policy for {bucket} would be {size} bytes with {len(accounts)} data-upload accounts; "
            f"S3 allows {MAX_BUCKET_POLICY_BYTES}. Register fewer AMC instances on this bucket or use "
            "another bucket.",
            bucket=bucket,
            size=size,
            accounts=len(accounts),
        )
    return policy


def apply_bucket_policy(s3_client: Any, bucket: str, account_ids: Iterable[str]) -> dict[str, Any]:
    """Read the bucket policy, merge the AMC statement, write it back (or delete an emptied policy)."""
    try:
        current: str | None = s3_client.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3_client.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            raise
        current = None
    policy = merge_bucket_policy(current, bucket, account_ids)
    if policy["Statement"]:
        s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy, separators=(",", ":")))
    elif current is not None:
        s3_client.delete_bucket_policy(Bucket=bucket)
    return policy
