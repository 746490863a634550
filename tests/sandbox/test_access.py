"""S3 access rules of AMC's data-upload account: bucket policy grants (spec D.6), instanceId tags (D.5)."""

from __future__ import annotations

from typing import Any

import pytest

from amc_sandbox import policy_allows
from amc_sandbox.access import tag_grants

ACCOUNT = "123456789012"
OBJ = "arn:aws:s3:::bkt/amc/x/part-00000.csv.gz"


def allow(
    principal: Any, action: Any = "s3:GetObject", resource: Any = "arn:aws:s3:::bkt/*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}


POLICIES: list[tuple[str, list[dict[str, Any]], bool]] = [
    ("root arn list", [allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]})], True),
    ("root arn string", [allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})], True),
    ("bare account id", [allow({"AWS": ACCOUNT})], True),
    ("public", [allow("*")], True),
    ("other account", [allow({"AWS": "arn:aws:iam::999999999999:root"})], False),
    ("a role is not the account root", [allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"})], False),
    ("wildcard action", [allow({"AWS": ACCOUNT}, action="s3:Get*")], True),
    ("s3 star", [allow({"AWS": ACCOUNT}, action="s3:*")], True),
    ("wrong action", [allow({"AWS": ACCOUNT}, action="s3:ListBucket")], False),
    ("bucket resource only", [allow({"AWS": ACCOUNT}, resource="arn:aws:s3:::bkt")], False),
    ("other bucket", [allow({"AWS": ACCOUNT}, resource="arn:aws:s3:::other/*")], False),
    ("prefix resource", [allow({"AWS": ACCOUNT}, resource="arn:aws:s3:::bkt/amc/*")], True),
    (
        "explicit deny wins",
        [
            allow({"AWS": ACCOUNT}),
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::bkt/*"},
        ],
        False,
    ),
    (
        "conditional TLS deny ignored",
        [
            allow({"AWS": ACCOUNT}),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::bkt/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
        True,
    ),
    ("no statements", [], False),
]


@pytest.mark.parametrize(
    ("statements", "expected"), [(s, e) for _, s, e in POLICIES], ids=[i for i, _, _ in POLICIES]
)
def test_policy_allows(statements: list[dict[str, Any]], expected: bool) -> None:
    policy = {"Version": "2012-10-17", "Statement": statements}
    assert policy_allows(policy, ACCOUNT, "s3:GetObject", OBJ) is expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"Key": "instanceId", "Value": "amc1"}], True),
        ([{"Key": "instanceId", "Value": "amc0 amc1 amc2"}], True),
        ([{"Key": "instanceId", "Value": "amc10"}], False),
        ([{"Key": "instanceid", "Value": "amc1"}], False),
        ([], False),
    ],
)
def test_tag_grants(tags: list[dict[str, Any]], expected: bool) -> None:
    assert tag_grants(tags, "amc1") is expected
