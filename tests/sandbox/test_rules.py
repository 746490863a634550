"""Pure rule tables: the bucket-policy check (spec D.6) and per-cell value checks (spec C.4)."""

from __future__ import annotations

from typing import Any

import pytest

from amc_sandbox import policy_allows
from amc_sandbox.processing import check_value
from tests.sandbox.helpers import sha

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


def column(data_type: str = "STRING", **extra: Any) -> dict[str, Any]:
    base = {"name": "c", "dataType": data_type, "columnType": "DIMENSION", "nullable": True}
    base.update({"isMainEventTime": False, "isCountryCode": False, **extra})
    return base


EMAIL = column(externalUserIdType={"hashedPii": "EMAIL"})

CELLS: list[tuple[dict[str, Any], Any, bool]] = [
    (EMAIL, sha("a@example.com"), True),
    (EMAIL, sha("a@example.com").upper(), False),
    (EMAIL, "a@example.com", False),
    (EMAIL, sha("x")[:63], False),
    (EMAIL, None, True),
    (EMAIL, "", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00Z", True),
    (column("TIMESTAMP"), "2022-08-02 08:00:00", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00.123456789Z", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00.1234567891Z", False),
    (column("TIMESTAMP"), "2022-08-02T08:00:00+02:00", False),
    (column("TIMESTAMP"), "2022-13-02T08:00:00Z", False),
    (column("TIMESTAMP"), "2022-08-02", False),
    (column("DATE"), "2022-08-02", True),
    (column("DATE"), "2022-8-2", False),
    (column("DATE"), "2022-02-29", False),
    (column("INTEGER"), "2147483647", True),
    (column("INTEGER"), "2147483648", False),
    (column("INTEGER"), 12, True),
    (column("INTEGER"), "1.0", False),
    (column("INTEGER"), True, False),
    (column("LONG"), "9223372036854775807", True),
    (column("LONG"), "9223372036854775808", False),
    (column("DECIMAL"), "12.50", True),
    (column("DECIMAL"), 3.25, True),
    (column("DECIMAL"), "NaN", False),
    (column("DECIMAL"), "1,5", False),
    (column("STRING", isCountryCode=True), "US", True),
    (column("STRING", isCountryCode=True), "usa", False),
    (column("STRING"), {"nested": 1}, False),
    (column("STRING", nullable=False), None, False),
    (column("TIMESTAMP", isMainEventTime=True), None, False),
]


@pytest.mark.parametrize(("col", "value", "ok"), CELLS)
def test_check_value(col: dict[str, Any], value: Any, ok: bool) -> None:
    _, reason = check_value(col, value)
    assert (reason is None) is ok, reason
    if reason is not None:
        assert reason.startswith("c: ")
        if isinstance(value, str) and len(value) > 3:
            assert value not in reason  # reasons never carry the value
