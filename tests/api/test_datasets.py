"""Datasets per instance through the AMC sandbox: create from column definitions, list, get, delete,
compatibility of files, uploads; AMC errors mapped to status codes."""

from __future__ import annotations

import uuid

from tests.api.conftest import SAMPLE_CSV, ApiEnv, create_dataset, unique_dataset_id

BASE = "/api/instances/amcsandbox01/datasets"


def test_lifecycle(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id()
    created = create_dataset(api_env, dataset_id)
    assert created["datasetId"] == dataset_id
    assert created["instanceId"] == "amcsandbox01"
    assert created["datasetType"] == "FACT" and created["period"] == "P1D"
    assert created["countryCode"] == "US"
    cols = {c["name"]: c for c in created["columns"]}
    # The builder adds AMC's main user id columns when identity columns exist.
    assert cols["user_id"]["isMainUserId"] is True
    assert cols["email"]["piiType"] == "EMAIL"
    assert cols["purchase_time"]["isMainEventTime"] is True
    with api_env.client() as c:
        listed = [d["datasetId"] for d in c.get(BASE).json()["items"]]
        assert dataset_id in listed
        assert c.get(f"{BASE}/{dataset_id}").json()["datasetId"] == dataset_id
        dup = c.post(BASE, json={"datasetId": dataset_id, "columns": [{"name": "a"}]})
        assert dup.status_code == 409, dup.text
        assert dup.json()["error"] == "amc_conflict"
        assert c.get(f"{BASE}/{dataset_id}/uploads").json() == {"items": []}
        assert c.delete(f"{BASE}/{dataset_id}").status_code == 204
        missing = c.get(f"{BASE}/{dataset_id}")
        assert missing.status_code == 404 and missing.json()["error"] == "amc_not_found"


def test_dimension_dataset_and_rules(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        dim = c.post(BASE, json={"datasetId": unique_dataset_id("dim"), "columns": [{"name": "sku"}]})
        assert dim.status_code == 201, dim.text
        assert dim.json()["datasetType"] == "DIMENSION" and dim.json()["countryCode"] is None
        # FACT period without a main event time column: the builder's rule, before any AMC call.
        bad = c.post(
            BASE,
            json={"datasetId": unique_dataset_id(), "period": "P1D", "columns": [{"name": "sku"}]},
        )
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"] == "invalid_dataset"
        for body in (
            {"datasetId": "Bad-Id", "columns": [{"name": "a"}]},
            {"datasetId": "ok_id", "columns": []},
            {"datasetId": "ok_id", "columns": [{"name": "a", "piiType": "EMAIL", "externalIdType": "MAID"}]},
            {"datasetId": "ok_id", "columns": [{"name": "a", "dataType": "TEXT"}]},
        ):
            r = c.post(BASE, json=body)
            assert r.status_code == 422, body
        assert c.get("/api/instances/nope/datasets").status_code == 404


def test_compatibility(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("compat")
    create_dataset(api_env, dataset_id)
    key = f"compat/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    lacking = f"compat/{uuid.uuid4().hex[:6]}-lacking.csv"
    api_env.put_file(lacking, "email,extra\na@example.com,1\n")
    with api_env.client() as c:
        ok = c.post(f"{BASE}/{dataset_id}/compatibility", json={"keys": [key]}).json()
        assert ok["compatible"] is True and ok["missingColumns"] == [] and ok["extraColumns"] == []
        bad = c.post(f"{BASE}/{dataset_id}/compatibility", json={"keys": [lacking]}).json()
        assert bad["compatible"] is False
        assert "first_name" in bad["missingColumns"] and bad["extraColumns"] == ["extra"]
        assert "not compatible" in bad["message"]
        assert c.post(f"{BASE}/{dataset_id}/compatibility", json={"keys": []}).status_code == 422


def test_amc_faults_map_to_status_codes(api_env: ApiEnv) -> None:
    sandbox = api_env.sandbox
    try:
        sandbox.inject(method="POST", path_regex="/dataSets/list", status=503, count=10)
        with api_env.client() as c:
            r = c.get(BASE)
        assert r.status_code == 502, r.text
        assert r.json()["error"] == "amc_error"
        sandbox.clear_faults()
        sandbox.inject(method="POST", path_regex="/dataSets/list", status=429, retry_after=1, count=10)
        with api_env.client() as c:
            r = c.get(BASE)
        assert r.status_code == 429
        assert r.json()["error"] == "amc_throttled"
        sandbox.clear_faults()
        sandbox.inject(method="POST", path_regex="/dataSets/list", status=500, count=10, empty_body=True)
        with api_env.client() as c:
            r = c.get(BASE)
        assert r.status_code == 502
    finally:
        sandbox.clear_faults()
    with api_env.client() as c:
        assert c.get(BASE).status_code == 200
