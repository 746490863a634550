"""AMC instances: CRUD, validation, discovery from the AMC API, and the artifact bucket policy."""

from __future__ import annotations

import json
from typing import Any

from amc_client import MAX_BUCKET_POLICY_BYTES
from tests.api.conftest import ApiEnv


def _policy_accounts(env: ApiEnv) -> set[str]:
    policy = json.loads(env.aws.s3.get_bucket_policy(Bucket=env.names.artifact_bucket)["Policy"])
    stmt = next(s for s in policy["Statement"] if s.get("Sid") == "AllowDataUploadFromAmc")
    principals = stmt["Principal"]["AWS"]
    principals = principals if isinstance(principals, list) else [principals]
    return {p.split(":")[4] for p in principals}


def _instance(instance_id: str, account: str = "210987654321", **extra: Any) -> dict[str, Any]:
    return {
        "instanceId": instance_id,
        "advertiserId": "ENTITYSANDBOX01",
        "marketplaceId": "ATVPDKIKX0DER",
        "dataUploadAwsAccountId": account,
        "tags": ["test"],
        **extra,
    }


def test_crud_rewrites_bucket_policy(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        created = c.post("/api/instances", json=_instance("amctestcrud1", adsAccountId="ACC1"))
        assert created.status_code == 201, created.text
        assert created.json()["adsAccountId"] == "ACC1"
        assert "210987654321" in _policy_accounts(api_env)
        assert c.post("/api/instances", json=_instance("amctestcrud1")).status_code == 409
        got = c.get("/api/instances/amctestcrud1")
        assert got.status_code == 200 and got.json()["tags"] == ["test"]
        listed = [i["instanceId"] for i in c.get("/api/instances").json()["items"]]
        assert {"amcsandbox01", "amctestcrud1"} <= set(listed)

        updated = c.put("/api/instances/amctestcrud1", json=_instance("amctestcrud1", account="345678901234"))
        assert updated.status_code == 200
        accounts = _policy_accounts(api_env)
        assert "345678901234" in accounts and "210987654321" not in accounts
        mismatch = c.put("/api/instances/amctestcrud1", json=_instance("other"))
        assert mismatch.status_code == 400

        assert c.delete("/api/instances/amctestcrud1").status_code == 204
        assert c.get("/api/instances/amctestcrud1").status_code == 404
        assert c.delete("/api/instances/amctestcrud1").status_code == 404
        assert "345678901234" not in _policy_accounts(api_env)
        assert "123456789012" in _policy_accounts(api_env)


def test_validation(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        for bad in (
            _instance("amcbad", account="12345"),
            _instance("amcbad", advertiserId=""),
            _instance("has space"),
            {"instanceId": "amcbad"},
        ):
            r = c.post("/api/instances", json=bad)
            assert r.status_code == 422, bad
            assert r.json()["error"] == "validation_error"


def test_bulk_replace(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        current = c.get("/api/instances").json()["items"]
        dupes = c.put("/api/instances", json={"items": [_instance("amcdup"), _instance("amcdup")]})
        assert dupes.status_code == 400
        r = c.put("/api/instances", json={"items": [*current, _instance("amcbulk1"), _instance("amcbulk2")]})
        assert r.status_code == 200
        assert {"amcbulk1", "amcbulk2"} <= {i["instanceId"] for i in r.json()["items"]}
        r = c.put("/api/instances", json={"items": current})
        assert {i["instanceId"] for i in r.json()["items"]} == {i["instanceId"] for i in current}


def test_discover_prefills_from_amc(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        r = c.get("/api/instances/discover")
    assert r.status_code == 200, r.text
    body = r.json()
    assert any(a["accountId"] == "ENTITYSANDBOX01" for a in body["accounts"])
    found = {i["instanceId"]: i for i in body["instances"]}
    assert found["amcsandbox01"]["registered"] is True
    assert found["amcsandbox01"]["dataUploadAwsAccountId"] == "123456789012"
    assert found["amcsandbox01"]["advertiserId"] == "ENTITYSANDBOX01"
    assert found["amcsandbox02"]["registered"] is False
    assert found["amcsandbox02"]["dataUploadAwsAccountId"] == "210987654321"


def test_bucket_policy_over_20_kb_is_a_clear_4xx(api_env: ApiEnv) -> None:
    s3, bucket = api_env.aws.s3, api_env.names.artifact_bucket
    before = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    # Another statement (kept by every merge) fills the policy to a few accounts below S3's limit.
    policy = json.loads(before)
    filler: dict[str, Any] = {
        "Sid": "Filler",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": [],
    }
    policy["Statement"].append(filler)
    while len(json.dumps(policy, separators=(",", ":"))) < MAX_BUCKET_POLICY_BYTES - 400:
        filler["Resource"].append(f"arn:aws:s3:::{bucket}/keep/{len(filler['Resource']):05d}/*")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy, separators=(",", ":")))
    saved: list[str] = []
    try:
        with api_env.client() as c:
            for k in range(40):
                instance_id, account = f"amcpolicy{k:02d}", f"{700_000_000_000 + k}"
                answer = c.post("/api/instances", json=_instance(instance_id, account=account))
                if answer.status_code != 201:
                    break
                saved.append(instance_id)
            assert 0 < len(saved) < 40
            assert answer.status_code == 422, answer.text
            body = answer.json()
            assert body["error"] == "bucket_policy_too_large"
            assert "20480" in body["message"] and "fewer AMC instances" in body["message"]
            # Nothing half-done: the refused instance is not stored, the policy is the last good one.
            assert c.get(f"/api/instances/amcpolicy{len(saved):02d}").status_code == 404
            assert f"{700_000_000_000 + len(saved)}" not in _policy_accounts(api_env)
            assert f"{700_000_000_000 + len(saved) - 1}" in _policy_accounts(api_env)
    finally:
        for instance_id in saved:
            api_env.backend.settings_repo.delete_instance(instance_id)
        s3.put_bucket_policy(Bucket=bucket, Policy=before)
