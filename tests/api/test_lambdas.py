"""The Lambda adapters: the API through Mangum with recorded API Gateway REST events, the uploader with
S3 ObjectCreated events (URL-encoded keys, redelivery) and the refresher."""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

import pytest

from amc_uploader.api.engine import build_job_config
from amc_uploader.api.handlers import default_backend
from amc_uploader.api.models import Job, JobInstance, JobRequest, JobStatus
from amc_uploader.api.repositories import utcnow
from amc_uploader.job import run_job
from tests.api.conftest import (
    SAMPLE_COLUMNS,
    SAMPLE_CSV,
    SAMPLE_PII,
    ApiEnv,
    create_dataset,
    unique_dataset_id,
)

LAMBDAS = Path(__file__).resolve().parents[2] / "deploy" / "lambdas"
EVENTS = Path(__file__).parent / "events"


def _event(name: str, **subs: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text()
    for k, v in subs.items():
        text = text.replace("{{" + k + "}}", v)
    data: dict[str, Any] = json.loads(text)
    return data


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"lambda_{name}", LAMBDAS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lambdas(api_env: ApiEnv) -> Iterator[dict[str, ModuleType]]:
    s = api_env.settings
    env = {
        "AMC_SETTINGS_TABLE": s.settings_table,
        "AMC_JOBS_TABLE": s.jobs_table,
        "AMC_TRIGGERS_TABLE": s.triggers_table,
        "AMC_LWA_SECRET_ID": s.lwa_secret_id,
        "AMC_DATA_BUCKET": s.data_bucket,
        "AMC_ARTIFACT_BUCKET": s.artifact_bucket,
        "AMC_COGNITO_USER_POOL_ID": s.cognito_user_pool_id,
        "AMC_COGNITO_CLIENT_ID": s.cognito_client_id,
        "AMC_COGNITO_REGION": s.cognito_region,
        "AMC_ADMIN_GROUP": s.admin_group,
        "AMC_API_BASE_URL": s.api_base_url,
        "AMC_LWA_TOKEN_URL": s.lwa_token_url,
        "AMC_LWA_CONSENT_URL": s.lwa_consent_url,
        "AMC_REDIRECT_URI": s.redirect_uri or "",
        "AMC_AMC_MAX_ATTEMPTS": "2",
        "AWS_ENDPOINT_URL": s.aws_endpoint_url or "",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    mp.delenv("AMC_GLUE_JOB_NAME", raising=False)
    default_backend.cache_clear()
    # The handlers configure JSON logging on import (as in Lambda): undone afterwards for the session.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield {name: _load(name) for name in ("api", "uploader", "refresher")}
    finally:
        root.handlers = handlers
        root.setLevel(level)
        default_backend.cache_clear()
        mp.undo()


def test_mangum_health_and_auth(api_env: ApiEnv, lambdas: dict[str, ModuleType]) -> None:
    handler = lambdas["api"].handler
    out = handler(_event("apigw_rest_get_health.json"), None)
    assert out["statusCode"] == 200
    assert json.loads(out["body"])["status"] == "ok"
    # API Gateway's request id becomes the correlation id.
    headers = {
        k.lower(): v for k, v in {**out.get("headers", {}), **out.get("multiValueHeaders", {})}.items()
    }
    assert "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" in str(headers["x-correlation-id"])

    denied = handler(_event("apigw_rest_get_instances.json", TOKEN="garbage"), None)
    assert denied["statusCode"] == 401
    assert json.loads(denied["body"])["error"] == "unauthorized"
    ok = handler(_event("apigw_rest_get_instances.json", TOKEN=api_env.admin_token), None)
    assert ok["statusCode"] == 200, ok["body"]
    assert "amcsandbox01" in [i["instanceId"] for i in json.loads(ok["body"])["items"]]


def test_mangum_base64_post_body(api_env: ApiEnv, lambdas: dict[str, ModuleType]) -> None:
    key = f"lambda/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    body = base64.b64encode(json.dumps({"keys": [key], "countryCode": "US"}).encode()).decode()
    out = lambdas["api"].handler(
        _event("apigw_rest_post_preview_base64.json", TOKEN=api_env.admin_token, BODY_BASE64=body), None
    )
    assert out["statusCode"] == 200, out["body"]
    cols = {c["name"]: c for c in json.loads(out["body"])["columns"]}
    assert cols["email"]["suggestedPiiType"] == "EMAIL"
    bad = base64.b64encode(b'{"keys": []}').decode()
    out = lambdas["api"].handler(
        _event("apigw_rest_post_preview_base64.json", TOKEN=api_env.admin_token, BODY_BASE64=bad), None
    )
    assert out["statusCode"] == 422


def _stage(env: ApiEnv, dataset_id: str, *, base: str = "") -> tuple[str, str]:
    """A job staged (not uploaded) like the Glue job does it, recorded in the jobs table; `base` is a key
    prefix in front of the staging layout."""
    key = f"lambda/{uuid.uuid4().hex[:6]}/customers.csv"
    env.put_file(key, SAMPLE_CSV)
    request = JobRequest.model_validate(
        {
            "sourceKeys": [key],
            "instanceIds": ["amcsandbox01"],
            "datasetId": dataset_id,
            "countryCode": "US",
            "columns": SAMPLE_COLUMNS,
        }
    )
    job_id = f"glue-{uuid.uuid4().hex[:8]}"
    now = utcnow()
    env.backend.jobs_repo.create(
        Job(
            job_id=job_id,
            status=JobStatus.RUNNING,
            request=request,
            instances=[JobInstance(instance_id="amcsandbox01")],
            created_at=now,
            updated_at=now,
        )
    )
    config = build_job_config(request, env.settings, job_id=job_id)
    if base:
        config = config.model_copy(update={"output": f"s3://{env.names.artifact_bucket}/{base}"})
    result = run_job(config, s3_client=env.aws.s3)
    record = result.instances[0].record
    assert record is not None and record.upload_id is None
    return job_id, record.manifest_key


def _upload_posts(env: ApiEnv, dataset_id: str) -> int:
    return sum(
        1
        for r in env.sandbox.requests()
        if r["method"] == "POST" and r["path"].endswith(f"/uploads/{dataset_id}")
    )


def test_uploader_creates_one_upload_per_manifest(api_env: ApiEnv, lambdas: dict[str, ModuleType]) -> None:
    dataset_id = unique_dataset_id("lam")
    create_dataset(api_env, dataset_id)
    job_id, manifest_key = _stage(api_env, dataset_id)
    event = _event(
        "s3_object_created.json", BUCKET=api_env.names.artifact_bucket, KEY=quote_plus(manifest_key, safe="/")
    )
    handler = lambdas["uploader"].handler
    first = handler(event, None)
    upload_id = first["uploads"][manifest_key]
    # S3 delivers at least once: the same event again creates nothing.
    assert handler(event, None)["uploads"][manifest_key] == upload_id
    # A crash after AMC accepted the upload but before it was recorded: AMC's upload list is checked.
    record_key = manifest_key.replace("manifest.txt", "job.json")
    record = json.loads(
        api_env.aws.s3.get_object(Bucket=api_env.names.artifact_bucket, Key=record_key)["Body"].read()
    )
    assert record["upload_id"] == upload_id
    record["upload_id"] = None
    api_env.aws.s3.put_object(
        Bucket=api_env.names.artifact_bucket, Key=record_key, Body=json.dumps(record).encode()
    )
    inst = api_env.backend.jobs_repo.get_instance(job_id, "amcsandbox01")
    api_env.backend.jobs_repo.put_instance(job_id, inst.model_copy(update={"upload_id": None}))
    assert handler(event, None)["uploads"][manifest_key] == upload_id
    # A direct call (e.g. from a script after staging) takes the same path.
    direct = {"bucket": api_env.names.artifact_bucket, "key": manifest_key}
    assert handler(direct, None)["uploads"][manifest_key] == upload_id
    assert _upload_posts(api_env, dataset_id) == 1
    with api_env.client() as c:
        uploads = c.get(f"/api/instances/amcsandbox01/datasets/{dataset_id}/uploads").json()["items"]
    assert [u["uploadId"] for u in uploads] == [upload_id]

    # The refresher follows the upload to its end.
    deadline = time.monotonic() + 30
    while True:
        lambdas["refresher"].handler({"source": "aws.events"}, None)
        job = api_env.backend.jobs_repo.get(job_id)
        if job.status is JobStatus.SUCCEEDED:
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job.instances[0].metrics and job.instances[0].metrics["OutputRowCount"] == 3
    # The report the engine wrote next to the manifest is on the job.
    assert job.report is not None and job.report["rows_out"] == 3


def test_uploader_raises_so_lambda_retries(api_env: ApiEnv, lambdas: dict[str, ModuleType]) -> None:
    dataset_id = unique_dataset_id("lamfail")
    create_dataset(api_env, dataset_id)
    job_id, manifest_key = _stage(api_env, dataset_id)
    event = _event("s3_object_created.json", BUCKET=api_env.names.artifact_bucket, KEY=manifest_key)
    api_env.sandbox.inject(method="POST", path_regex=f"/uploads/{dataset_id}$", status=500, count=10)
    try:
        with pytest.raises(Exception) as info:
            lambdas["uploader"].handler(event, None)
        assert type(info.value).__name__ == "AmcServerError"
    finally:
        api_env.sandbox.clear_faults()
    failed = api_env.backend.jobs_repo.get_instance(job_id, "amcsandbox01")
    assert failed.status.value == "FAILED" and failed.message
    # The retry (Lambda's second attempt) succeeds and records the upload.
    out = lambdas["uploader"].handler(event, None)
    assert out["uploads"][manifest_key]
    assert api_env.backend.jobs_repo.get_instance(job_id, "amcsandbox01").status.value == "UPLOADING"


def test_uploader_ignores_other_objects_and_runs_triggers(
    api_env: ApiEnv, lambdas: dict[str, ModuleType]
) -> None:
    handler = lambdas["uploader"].handler
    other = _event("s3_object_created.json", BUCKET=api_env.names.artifact_bucket, KEY="amc/x/report.json")
    assert handler(other, None) == {"uploads": {}, "jobsStarted": [], "ignored": 1}
    dataset_id = unique_dataset_id("lamtrig")
    create_dataset(api_env, dataset_id)
    prefix = f"drop-{uuid.uuid4().hex[:6]}/"
    with api_env.client() as c:
        rule = c.post(
            "/api/triggers",
            json={
                "name": "lambda",
                "prefix": prefix,
                "suffix": ".csv",
                "template": {
                    "instanceIds": ["amcsandbox01"],
                    "datasetId": dataset_id,
                    "countryCode": "US",
                    "columns": SAMPLE_COLUMNS,
                },
            },
        ).json()
    try:
        key = f"{prefix}new customers+q1.csv"
        api_env.put_file(key, SAMPLE_CSV)
        # S3 encodes keys form-style: spaces as '+', '+' as %2B.
        event = _event(
            "s3_object_created.json", BUCKET=api_env.names.data_bucket, KEY=quote_plus(key, safe="/")
        )
        assert "+q1" not in event["Records"][0]["s3"]["object"]["key"].split("customers")[1]
        out = handler(event, None)
        assert len(out["jobsStarted"]) == 1
        job = api_env.backend.jobs_repo.get(out["jobsStarted"][0])
        assert job.request.source_keys == [key]
        assert handler(event, None)["jobsStarted"] == []
    finally:
        with api_env.client() as c:
            c.delete(f"/api/triggers/{rule['ruleId']}")
    assert not any(v in json.dumps(out) for v in SAMPLE_PII)


def test_uploader_uploads_a_prefixed_manifest_from_its_job_record(
    api_env: ApiEnv, lambdas: dict[str, ModuleType]
) -> None:
    dataset_id = unique_dataset_id("lampre")
    create_dataset(api_env, dataset_id)
    job_id, manifest_key = _stage(api_env, dataset_id, base="tenant-a")
    assert manifest_key == f"tenant-a/amc/{dataset_id}/{job_id}/amcsandbox01/manifest.txt"
    event = _event(
        "s3_object_created.json", BUCKET=api_env.names.artifact_bucket, KEY=quote_plus(manifest_key, safe="/")
    )
    upload_id = lambdas["uploader"].handler(event, None)["uploads"][manifest_key]
    assert upload_id and _upload_posts(api_env, dataset_id) == 1
    inst = api_env.backend.jobs_repo.get_instance(job_id, "amcsandbox01")
    assert inst.status.value == "UPLOADING" and inst.upload_id == upload_id
    record_key = manifest_key.replace("manifest.txt", "job.json")
    body = api_env.aws.s3.get_object(Bucket=api_env.names.artifact_bucket, Key=record_key)["Body"].read()
    assert json.loads(body)["upload_id"] == upload_id


@pytest.mark.parametrize(("status", "adopted"), [("FAILED", False), ("IN_PROGRESS", True)])
def test_uploader_adopts_an_upload_of_the_manifest_unless_it_failed(
    status: str, adopted: bool, api_env: ApiEnv, lambdas: dict[str, ModuleType]
) -> None:
    dataset_id = unique_dataset_id("lamadopt")
    create_dataset(api_env, dataset_id)
    job_id, manifest_key = _stage(api_env, dataset_id)
    bucket = api_env.names.artifact_bucket
    source = {"sourceS3Bucket": bucket, "sourceManifestS3Key": manifest_key}
    listed = {"uploads": [{"uploadId": "earlier-upload", "status": status, "dataSource": source}]}
    api_env.sandbox.inject(
        method="POST",
        path_regex=r"/uploads/list$",
        status=200,
        body_text=json.dumps(listed),
        content_type="application/json",
        count=1,
    )
    try:
        upload_id = lambdas["uploader"].handler({"bucket": bucket, "key": manifest_key}, None)["uploads"][
            manifest_key
        ]
    finally:
        api_env.sandbox.clear_faults()
    if adopted:
        assert upload_id == "earlier-upload" and _upload_posts(api_env, dataset_id) == 0
    else:
        assert upload_id != "earlier-upload" and _upload_posts(api_env, dataset_id) == 1
    assert api_env.backend.jobs_repo.get_instance(job_id, "amcsandbox01").upload_id == upload_id
