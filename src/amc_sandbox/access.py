"""What AMC's data-upload account needs to read a file (spec D.5, D.6), checked on S3 like AMC would.

The object or its bucket carries the tag `instanceId` naming the instance; the bucket policy grants the
instance's data-upload account (`arn:aws:iam::<account>:root`) `s3:GetObject` on the object,
`s3:GetObjectTagging` when the tag is on the object, `s3:GetBucketTagging` on the bucket and, for prefix
uploads, `s3:ListBucket`. `policy_allows` and `tag_grants` are the pure rules; `S3Access` applies them to
a bucket through boto3 (any endpoint: the moto server in tests) and opens the objects it allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import IO, Any, cast

from amc_sandbox.errors import UploadFailure
from amc_uploader.io.sources import CountingRaw


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def policy_allows(policy: dict[str, Any], account_id: str, action: str, resource: str) -> bool:
    """Would this bucket policy let `account_id` do `action` on `resource`? (D.6)

    Allow statements naming the account's root (or the bare account id, or "*") with a matching action
    and resource grant; a matching unconditional Deny wins. Conditional statements are ignored: AMC reads
    over TLS, so the usual `aws:SecureTransport` deny does not apply to it.
    """
    principals = {f"arn:aws:iam::{account_id}:root", account_id, "*"}

    def principal_matches(statement: dict[str, Any]) -> bool:
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, dict):
            return any(p in principals for p in _as_list(principal.get("AWS")))
        return False

    def applies(statement: dict[str, Any]) -> bool:
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        return (
            principal_matches(statement)
            and any(fnmatchcase(action.lower(), a) for a in actions)
            and any(fnmatchcase(resource, r) for r in resources)
        )

    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or "Condition" in statement:
            continue
        if statement.get("Effect") == "Deny" and applies(statement):
            return False
        if statement.get("Effect") == "Allow" and applies(statement):
            allowed = True
    return allowed


def tag_grants(tags: list[dict[str, Any]], instance_id: str) -> bool:
    """D.5: tag key `instanceId`, value one id or a space-separated list of ids."""
    return any(t.get("Key") == "instanceId" and instance_id in str(t.get("Value", "")).split() for t in tags)


def client_error_code(exc: Exception) -> str:
    """The S3 error code of a botocore `ClientError` ("" for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def s3_message(exc: Exception, uri: str) -> str:
    """The upload message for a failed S3 call, in AMC's words."""
    code = client_error_code(exc)
    if code in {"NoSuchKey", "404", "NotFound"}:
        return f"No such file or directory '{uri}'"
    if code == "NoSuchBucket":
        return f"No such file or directory '{uri}' (bucket does not exist)"
    if code in {"AccessDenied", "403"}:
        return f"Access denied reading '{uri}'"
    return f"Could not read '{uri}': {code or type(exc).__name__}"


class S3Access:
    """S3 as AMC's data-upload account sees it; every refusal is an `UploadFailure` with AMC's message."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._factory = client_factory
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def check_object(self, bucket: str, key: str, uri: str, instance_id: str, account: str) -> None:
        """The object exists, carries (or its bucket carries) the instanceId tag, and the policy grants it."""
        try:
            self.client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            raise UploadFailure(s3_message(exc, uri)) from exc
        tagged_on = None
        try:
            object_tags = self.client.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
        except Exception as exc:
            raise UploadFailure(s3_message(exc, uri)) from exc
        if tag_grants(object_tags, instance_id):
            tagged_on = "object"
        elif tag_grants(self._bucket_tags(bucket), instance_id):
            tagged_on = "bucket"
        if tagged_on is None:
            raise UploadFailure(
                f"Access denied: '{uri}' is not tagged with instanceId={instance_id} "
                "(neither the object nor the bucket carries that tag)"
            )
        object_arn = f"arn:aws:s3:::{bucket}/{key}"
        needed = [("s3:GetObject", object_arn)]
        if tagged_on == "object":
            needed.append(("s3:GetObjectTagging", object_arn))
        needed.append(("s3:GetBucketTagging", f"arn:aws:s3:::{bucket}"))
        self.require_policy(bucket, needed, instance_id, account, uri)

    def require_policy(
        self, bucket: str, needed: list[tuple[str, str]], instance_id: str, account: str, uri: str
    ) -> None:
        policy = self._bucket_policy(bucket, uri)
        for action, resource in needed:
            if policy is None or not policy_allows(policy, account, action, resource):
                reason = (
                    "has no bucket policy"
                    if policy is None
                    else f"policy does not allow {action} on {resource}"
                )
                raise UploadFailure(
                    f"Access denied: bucket '{bucket}' {reason} for arn:aws:iam::{account}:root "
                    f"(the data upload AWS account of instance {instance_id}) reading '{uri}'"
                )

    def list_keys(self, bucket: str, prefix: str, instance_id: str, account: str) -> Iterator[str]:
        """The keys under a prefix; listing needs `s3:ListBucket` for AMC's account (D.6)."""
        uri = f"s3://{bucket}/{prefix}"
        self.require_policy(bucket, [("s3:ListBucket", f"arn:aws:s3:::{bucket}")], instance_id, account, uri)
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield str(obj["Key"])
        except Exception as exc:
            raise UploadFailure(s3_message(exc, uri)) from exc

    def open_object(self, bucket: str, key: str, uri: str, instance_id: str, account: str) -> IO[bytes]:
        """The object's body as a binary file, once `check_object` allowed it."""
        self.check_object(bucket, key, uri, instance_id, account)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as exc:
            raise UploadFailure(s3_message(exc, uri)) from exc
        return cast(IO[bytes], CountingRaw(body))

    def _bucket_tags(self, bucket: str) -> list[dict[str, Any]]:
        try:
            tags: list[dict[str, Any]] = self.client.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except Exception as exc:
            if client_error_code(exc) == "NoSuchTagSet":
                return []
            raise UploadFailure(s3_message(exc, f"s3://{bucket}")) from exc
        return tags

    def _bucket_policy(self, bucket: str, uri: str) -> dict[str, Any] | None:
        try:
            text = self.client.get_bucket_policy(Bucket=bucket)["Policy"]
        except Exception as exc:
            if client_error_code(exc) in {"NoSuchBucketPolicy", "NoSuchBucket"}:
                return None
            raise UploadFailure(s3_message(exc, uri)) from exc
        try:
            policy = json.loads(text)
        except ValueError:
            return None
        return policy if isinstance(policy, dict) else None
