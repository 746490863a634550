"""Upload jobs end to end through the API: dry run, start, status per instance, retry, cancel."""

from __future__ import annotations

import json
import uuid

from tests.api.conftest import (
    SAMPLE_COLUMNS,
    SAMPLE_CSV,
    SAMPLE_PII,
    ApiEnv,
    assert_no_secret,
    create_dataset,
    start_sample_job,
    unique_dataset_id,
    wait_job,
)


def test_dry_run_report(api_env: ApiEnv) -> None:
    key = f"jobs/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    body = {
        "sourceKeys": [key],
        "instanceIds": ["amcsandbox01"],
        "datasetId": "whatever_id",
        "countryCode": "US",
        "columns": SAMPLE_COLUMNS,
    }
    with api_env.client() as c:
        r = c.post("/api/jobs/dry-run", json=body)
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    assert report["dry_run"] is True and report["rows_in"] == 3
    email = report["normalization"]["columns"]["email"]
    assert email["ok"] == 2 and email["null"] == 1
    for value in SAMPLE_PII:
        assert value not in r.text
    # Nothing staged.
    listed = api_env.aws.s3.list_objects_v2(Bucket=api_env.names.artifact_bucket, Prefix="amc/whatever_id/")
    assert listed.get("KeyCount", 0) == 0


def test_job_runs_to_amc_success(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("job")
    create_dataset(api_env, dataset_id)
    job = start_sample_job(api_env, dataset_id, f"jobs/{uuid.uuid4().hex[:6]}/customers.csv")
    assert job["status"] == "QUEUED"
    assert [i["instanceId"] for i in job["instances"]] == ["amcsandbox01"]
    done = wait_job(api_env, job["jobId"])
    assert done["status"] == "SUCCEEDED", done
    inst = done["instances"][0]
    assert inst["status"] == "SUCCEEDED" and inst["uploadStatus"] == "SUCCESS"
    assert inst["metrics"]["OutputRowCount"] == 3
    assert inst["manifestKey"] == f"amc/{dataset_id}/{job['jobId']}/amcsandbox01/manifest.txt"
    assert done["report"]["rows_out"] == 3
    text = json.dumps(done)
    for value in SAMPLE_PII:
        assert value not in text
    assert_no_secret(text, api_env)
    with api_env.client() as c:
        listed = c.get("/api/jobs").json()["items"]
        assert done["jobId"] in [j["jobId"] for j in listed]
        uploads = c.get(f"/api/instances/amcsandbox01/datasets/{dataset_id}/uploads").json()["items"]
        assert [u["uploadId"] for u in uploads] == [inst["uploadId"]]
        assert uploads[0]["source"] == "manifest.txt"
        assert c.get("/api/jobs/nope").status_code == 404
        # Finished jobs cannot be cancelled and succeeded instances not retried.
        assert c.post(f"/api/jobs/{done['jobId']}/cancel").status_code == 409
        assert c.post(f"/api/jobs/{done['jobId']}/instances/amcsandbox01/retry").status_code == 409


def test_validation_errors(api_env: ApiEnv) -> None:
    key = f"jobs/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    good = {
        "sourceKeys": [key],
        "instanceIds": ["amcsandbox01"],
        "datasetId": "valid_id",
        "countryCode": "US",
        "columns": SAMPLE_COLUMNS,
    }
    with api_env.client() as c:
        cases = [
            ({**good, "countryCode": None}, 422, "invalid_job"),
            ({**good, "instanceIds": ["unknown1"]}, 404, "instance_not_found"),
            ({**good, "sourceKeys": ["jobs/none.csv"]}, 404, "file_not_found"),
            ({**good, "datasetId": "Bad Id"}, 422, "validation_error"),
            ({**good, "instanceIds": []}, 422, "validation_error"),
            (
                {**good, "columns": [*SAMPLE_COLUMNS, {"name": "x", "piiType": "EMAIL"}]},
                422,
                "validation_error",
            ),
            ({**good, "columns": [{"name": "nope", "piiType": "EMAIL"}]}, 422, "job_failed"),
        ]
        for body, status, code in cases:
            r = c.post("/api/jobs/dry-run", json=body)
            assert (r.status_code, r.json()["error"]) == (status, code), (body, r.text)
        r = c.post("/api/jobs", json={**good, "instanceIds": ["unknown1"]})
        assert r.status_code == 404


def test_failed_staging_is_reported_and_retried(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("bad")
    create_dataset(api_env, dataset_id)
    key = f"jobs/{uuid.uuid4().hex[:6]}/bad.csv"
    with api_env.client() as c:
        # A column the file lacks: the job fails before staging anything, naming file and column.
        body = {
            "sourceKeys": [key],
            "instanceIds": ["amcsandbox01"],
            "datasetId": dataset_id,
            "countryCode": "US",
            "columns": [*SAMPLE_COLUMNS, {"name": "loyalty_tier", "dataType": "STRING"}],
        }
        api_env.put_file(key, SAMPLE_CSV)
        job = c.post("/api/jobs", json=body).json()
        done = wait_job(api_env, job["jobId"])
        assert done["status"] == "FAILED"
        assert "loyalty_tier" in done["error"]
        assert done["instances"][0]["status"] == "FAILED"
        assert done["instances"][0]["manifestKey"] is None
        # Fix the file, retry the instance: the job runs again for it.
        api_env.put_file(
            key,
            SAMPLE_CSV.replace("amount\n", "amount,loyalty_tier\n", 1)
            .replace("\n", ",\n")
            .replace("amount,loyalty_tier,\n", "amount,loyalty_tier\n"),
        )
        retried = c.post(f"/api/jobs/{job['jobId']}/instances/amcsandbox01/retry")
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] in ("QUEUED", "RUNNING", "STAGED")
        final = wait_job(api_env, job["jobId"])
        assert final["status"] == "SUCCEEDED", final


def test_failed_upload_is_retried_without_restaging(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("retry")
    create_dataset(api_env, dataset_id)
    sandbox = api_env.sandbox
    sandbox.inject(method="POST", path_regex=f"/uploads/{dataset_id}$", status=400, count=1)
    try:
        job = start_sample_job(api_env, dataset_id, f"jobs/{uuid.uuid4().hex[:6]}/retry.csv")
        failed = wait_job(api_env, job["jobId"])
    finally:
        sandbox.clear_faults()
    assert failed["status"] == "FAILED"
    inst = failed["instances"][0]
    assert inst["status"] == "FAILED" and inst["manifestKey"] and inst["uploadId"] is None
    assert inst["message"]
    with api_env.client() as c:
        r = c.post(f"/api/jobs/{job['jobId']}/instances/amcsandbox01/retry")
        assert r.status_code == 200, r.text
        assert r.json()["instances"][0]["status"] == "UPLOADING"
        assert c.post(f"/api/jobs/{job['jobId']}/instances/nope/retry").status_code == 404
    final = wait_job(api_env, job["jobId"])
    assert final["status"] == "SUCCEEDED", final
    assert final["report"]["rows_out"] == 3


def test_cancel_before_staging(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("cancel")
    create_dataset(api_env, dataset_id)
    # The local worker picks jobs up after a short queue delay: cancel inside it.
    job = start_sample_job(api_env, dataset_id, f"jobs/{uuid.uuid4().hex[:6]}/cancel.csv")
    with api_env.client() as c:
        r = c.post(f"/api/jobs/{job['jobId']}/cancel")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "CANCELLED"
        assert r.json()["instances"][0]["status"] == "CANCELLED"
    final = wait_job(api_env, job["jobId"], timeout=5)
    assert final["status"] == "CANCELLED"
    staged = api_env.aws.s3.list_objects_v2(Bucket=api_env.names.artifact_bucket, Prefix=f"amc/{dataset_id}/")
    assert staged.get("KeyCount", 0) == 0


def test_get_job_polls_amc_itself(api_env: ApiEnv) -> None:
    """No refresher runs here: reading the job is enough to follow the upload to SUCCESS."""
    import time

    dataset_id = unique_dataset_id("poll")
    create_dataset(api_env, dataset_id)
    job = start_sample_job(api_env, dataset_id, f"jobs/{uuid.uuid4().hex[:6]}/poll.csv")
    deadline = time.monotonic() + 60
    with api_env.client() as c:
        while True:
            got = c.get(f"/api/jobs/{job['jobId']}").json()
            if got["status"] in ("SUCCEEDED", "FAILED"):
                break
            assert time.monotonic() < deadline, got
            time.sleep(0.3)
    assert got["status"] == "SUCCEEDED"
    assert got["instances"][0]["uploadStatus"] == "SUCCESS"


TCF_V2 = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"
CONSENT_CSV = (
    "email,tcf_string,amzn_user_data\n"
    f"anna@example.de,{TCF_V2},\n"
    "bernd@example.de,,GRANTED\n"
    "clara@example.de,,denied\n"
    "dieter@example.de,not-a-tc-string,\n"
)


def test_consent_columns_dry_run_and_upload(api_env: ApiEnv) -> None:
    """German rows: the dataset declares the consent columns, the dry run counts the signals and the
    rows left out, and the job uploads only the rows with usable consent."""
    key = f"jobs/{uuid.uuid4().hex[:6]}/consent.csv"
    api_env.put_file(key, CONSENT_CSV)
    dataset_id = unique_dataset_id("consent")
    columns = [
        {"name": "email", "piiType": "EMAIL"},
        {"name": "tcf_string", "consentType": "TCF"},
        {"name": "amzn_user_data", "consentType": "AMZN_USER_DATA"},
    ]
    job = {
        "sourceKeys": [key],
        "instanceIds": ["amcsandbox01"],
        "datasetId": dataset_id,
        "countryCode": "DE",
        "columns": columns,
    }
    with api_env.client() as c:
        dataset = {
            "datasetId": dataset_id,
            "countryCode": "DE",
            "columns": [
                {"name": "email", "piiType": "EMAIL"},
                {"name": "tcf_string", "consentType": "TCF"},
                {"name": "amzn_user_data", "consentType": "AMZN_USER_DATA"},
            ],
        }
        r = c.post("/api/instances/amcsandbox01/datasets", json=dataset)
        assert r.status_code == 201, r.text
        declared = {col["name"]: col for col in r.json()["columns"]}
        assert declared["tcf_string"]["consentType"] == "TCF"
        assert declared["amzn_user_data"]["consentType"] == "AMZN_USER_DATA"

        r = c.post("/api/jobs/dry-run", json=job)
        assert r.status_code == 200, r.text
        consent = r.json()["report"]["consent"]
        assert consent["policy"] == "drop" and consent["eea_uk_rows"] == 4
        assert consent["signals"] == {"ACS": 2, "TCF": 1}
        assert consent["reasons"] == {"consent.denied": 1, "consent.missing": 1}
        assert consent["rows_dropped"] == 2
        assert consent["invalid_values"] == {"tcf_string": {"consent.tcf_version": 1}}
        assert any("2 of 4 EEA/UK rows" in w for w in r.json()["warnings"])
        assert "not-a-tc-string" not in r.text and "anna@example.de" not in r.text

        kept = c.post("/api/jobs/dry-run", json={**job, "missingConsent": "keep"}).json()
        assert kept["report"]["consent"]["rows_kept_without_consent"] == 2
        failed = c.post("/api/jobs/dry-run", json={**job, "missingConsent": "fail"})
        assert failed.status_code == 422 and "line 4" in failed.json()["message"]
        bad = [*columns[:2], {"name": "amzn_user_data", "consentType": "TCF"}]
        r = c.post("/api/jobs/dry-run", json={**job, "columns": bad})
        assert r.status_code == 422 and "each consent type may be used once" in r.text
        r = c.post("/api/jobs/dry-run", json={**job, "missingConsent": "maybe"})
        assert r.status_code == 422

        started = c.post("/api/jobs", json=job)
        assert started.status_code == 202, started.text
    done = wait_job(api_env, started.json()["jobId"])
    assert done["status"] == "SUCCEEDED", done
    assert done["instances"][0]["uploadStatus"] == "SUCCESS"
    assert done["report"]["rows_out"] == 2
    assert done["request"]["missingConsent"] == "drop"


MIXED_CSV = (
    "email,phone,country,tcf_string\n"
    "ann@example.com,(206) 555-0100,US,\n"
    "bob@example.com,+1 425 555 0101,,\n"
    f"claudia@example.de,030 1234567,Deutschland,{TCF_V2}\n"
    "dora@example.de,0151 23456789,DEU,\n"
)


def test_country_column_dry_run_per_country(api_env: ApiEnv) -> None:
    """A US/DE file: each row by its own country (blank: the default US), a breakdown per country, and
    only the German row without consent is left out."""
    key = f"jobs/{uuid.uuid4().hex[:6]}/mixed.csv"
    api_env.put_file(key, MIXED_CSV)
    body = {
        "sourceKeys": [key],
        "instanceIds": ["amcsandbox01"],
        "datasetId": "mixed_id",
        "countryCode": "US",
        "countryColumn": "country",
        "columns": [
            {"name": "email", "piiType": "EMAIL"},
            {"name": "phone", "piiType": "PHONE"},
            {"name": "country"},
            {"name": "tcf_string", "consentType": "TCF"},
        ],
    }
    with api_env.client() as c:
        preview = c.post("/api/files/preview", json={"keys": [key], "countryCode": "US"}).json()
        r = c.post("/api/jobs/dry-run", json=body)
        bad = c.post(
            "/api/jobs/dry-run",
            json={**body, "columns": [*body["columns"][:2], {"name": "country", "drop": True}]},
        )
    assert preview["suggestedCountryColumn"] == "country"
    cols = {col["name"]: col for col in preview["columns"]}
    assert cols["country"]["eeaUkRows"] == 2 and cols["country"]["suggestedPiiType"] is None
    assert cols["phone"]["suggestedPiiType"] == "PHONE"
    assert cols["tcf_string"]["suggestedConsentType"] == "TCF"
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    countries = report["normalization"]["countries"]
    assert {k: v["rows"] for k, v in countries.items()} == {"DE": 1, "US": 2}
    assert countries["DE"]["columns"]["phone"]["ok"] == 1
    assert countries["US"]["columns"]["phone"]["ok"] == 2
    assert report["consent"]["eea_uk_rows"] == 2 and report["consent"]["rows_dropped"] == 1
    assert report["rows_out"] == 3
    assert bad.status_code == 422 and "country column" in bad.text
