"""What AMC reads from S3: the manifest format and the bucket-policy statement (moto for S3)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from amc_client import AmcError
from amc_client.errors import BucketPolicyTooLargeError, S3ContractError
from amc_client.s3_contract import (
    MAX_BUCKET_POLICY_BYTES,
    POLICY_SID,
    apply_bucket_policy,
    build_manifest,
    instance_tags,
    merge_bucket_policy,
    parse_manifest,
)


def _bucket(s3: Any) -> str:
    name = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def test_manifest_format() -> None:
    assert build_manifest(["s3://b/k1", "s3://b/k2"]) == "s3://b/k1\ns3://b/k2"
    assert parse_manifest("s3://b/k1\ns3://b/k2\n") == ["s3://b/k1", "s3://b/k2"]
    with pytest.raises(S3ContractError):
        build_manifest([])


def test_instance_tags() -> None:
    assert instance_tags("amcsandbox01") == {"instanceId": "amcsandbox01"}


def test_contract_errors_are_amc_errors() -> None:
    assert issubclass(S3ContractError, AmcError) and issubclass(BucketPolicyTooLargeError, S3ContractError)


def test_merge_policy_preserves_other_statements_and_replaces_ours() -> None:
    deny = {
        "Sid": "DenyInsecure",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    first = merge_bucket_policy({"Version": "2012-10-17", "Statement": [deny]}, "b", ["123456789012"])
    assert [s["Sid"] for s in first["Statement"]] == [POLICY_SID, "DenyInsecure"]
    ours = first["Statement"][0]
    assert ours["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root"]}
    assert set(ours["Action"]) == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetObjectTagging",
        "s3:GetBucketTagging",
    }
    assert ours["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    second = merge_bucket_policy(json.dumps(first), "b", ["210987654321", "123456789012", "123456789012"])
    assert [s["Sid"] for s in second["Statement"]] == [POLICY_SID, "DenyInsecure"]
    assert second["Statement"][0]["Principal"]["AWS"] == [
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::210987654321:root",
    ]
    assert second["Statement"][1] == deny
    assert merge_bucket_policy(second, "b", [])["Statement"] == [deny]


def test_merge_policy_size_limit() -> None:
    accounts = [f"{n:012d}" for n in range(1, 2000)]
    with pytest.raises(BucketPolicyTooLargeError, match="20480"):
        merge_bucket_policy(None, "b", accounts)
    ok = merge_bucket_policy(None, "b", accounts[:400])
    assert len(json.dumps(ok, separators=(",", ":"))) <= MAX_BUCKET_POLICY_BYTES


def test_merge_policy_rejects_bad_account() -> None:
    with pytest.raises(S3ContractError, match="account"):
        merge_bucket_policy(None, "b", ["12345"])


def test_apply_bucket_policy_against_moto(s3: Any) -> None:
    bucket = _bucket(s3)
    other = {
        "Sid": "Other",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{bucket}/glue/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    apply_bucket_policy(s3, bucket, ["123456789012"])
    apply_bucket_policy(s3, bucket, ["123456789012", "210987654321"])
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [POLICY_SID, "Other"]
    assert len(policy["Statement"][0]["Principal"]["AWS"]) == 2

    fresh = _bucket(s3)
    apply_bucket_policy(s3, fresh, ["123456789012"])
    assert json.loads(s3.get_bucket_policy(Bucket=fresh)["Policy"])["Statement"][0]["Sid"] == POLICY_SID
