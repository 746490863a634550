"""S3-trigger rules: CRUD through the API, and new objects starting the stored job template."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.api.conftest import SAMPLE_COLUMNS, SAMPLE_CSV, ApiEnv, create_dataset, unique_dataset_id, wait_job


def _rule(dataset_id: str, prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "nightly customers",
        "prefix": prefix,
        "suffix": ".csv",
        "template": {
            "instanceIds": ["amcsandbox01"],
            "datasetId": dataset_id,
            "countryCode": "US",
            "columns": SAMPLE_COLUMNS,
        },
        **extra,
    }


def test_crud_and_validation(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        created = c.post("/api/triggers", json=_rule("some_dataset", "crud/"))
        assert created.status_code == 201, created.text
        rule = created.json()
        assert rule["bucket"] == api_env.names.data_bucket and rule["enabled"] is True
        assert c.get(f"/api/triggers/{rule['ruleId']}").json() == rule
        assert rule["ruleId"] in [r["ruleId"] for r in c.get("/api/triggers").json()["items"]]
        bad = _rule("some_dataset", "x/")
        bad["template"]["instanceIds"] = ["nope"]
        assert c.post("/api/triggers", json=bad).status_code == 404
        assert c.post("/api/triggers", json={"name": "x"}).status_code == 422
        assert c.delete(f"/api/triggers/{rule['ruleId']}").status_code == 204
        assert c.get(f"/api/triggers/{rule['ruleId']}").status_code == 404
        assert c.delete(f"/api/triggers/{rule['ruleId']}").status_code == 404


def test_upload_through_api_starts_the_template_job_once(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("trig")
    create_dataset(api_env, dataset_id)
    prefix = f"incoming-{uuid.uuid4().hex[:6]}/"
    with api_env.client() as c:
        rule = c.post("/api/triggers", json=_rule(dataset_id, prefix)).json()
        try:
            # Not matching the suffix: nothing starts.
            c.put("/api/files/content", params={"key": f"{prefix}notes.txt"}, content=b"hello\n")
            key = f"{prefix}customers 2024.csv"
            up = c.put("/api/files/content", params={"key": key}, content=SAMPLE_CSV.encode())
            assert up.status_code == 201
            jobs = [j for j in c.get("/api/jobs").json()["items"] if j.get("triggerRuleId") == rule["ruleId"]]
            assert len(jobs) == 1
            assert jobs[0]["request"]["sourceKeys"] == [key]
            done = wait_job(api_env, jobs[0]["jobId"])
            assert done["status"] == "SUCCEEDED", done
            # The same object delivered again starts nothing new.
            assert api_env.backend.jobs.on_new_object(api_env.names.data_bucket, key) == []
        finally:
            c.delete(f"/api/triggers/{rule['ruleId']}")


def test_local_scan_finds_objects_written_to_s3_directly(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("scan")
    create_dataset(api_env, dataset_id)
    prefix = f"scan-{uuid.uuid4().hex[:6]}/"
    api_env.put_file(f"{prefix}before.csv", SAMPLE_CSV)
    time.sleep(1.1)  # S3 timestamps have second precision
    with api_env.client() as c:
        rule = c.post("/api/triggers", json=_rule(dataset_id, prefix)).json()
    try:
        api_env.put_file(f"{prefix}after.csv", SAMPLE_CSV)
        started = api_env.backend.jobs.scan_for_new_objects()
        assert len(started) == 1
        assert api_env.backend.jobs_repo.get(started[0]).request.source_keys == [f"{prefix}after.csv"]
        assert api_env.backend.jobs.scan_for_new_objects() == []
        assert wait_job(api_env, started[0])["status"] == "SUCCEEDED"
    finally:
        with api_env.client() as c:
            c.delete(f"/api/triggers/{rule['ruleId']}")
