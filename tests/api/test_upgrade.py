"""A redeploy of the stack keeps the AMC grant: after instances are saved through the API, CloudFormation
writing the template's artifacts bucket policy over the bucket drops the grant (an upload fails), and the
stack's restore resource (deploy/lambdas/grants.py, run as CloudFormation runs it) puts it back, so an
upload succeeds again."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from amc_client.s3_contract import POLICY_SID
from amc_sandbox import SANDBOX_DATA_UPLOAD_ACCOUNT_ID, SANDBOX_INSTANCE_ID
from amc_sandbox.access import policy_allows
from amc_uploader.api.domain_errors import InstanceNotFound
from tests.api.conftest import ApiEnv, create_dataset, start_sample_job, unique_dataset_id, wait_job
from tests.api.test_instances import _instance
from tests.cdk.upgrade import grant_resources, resolve

GRANTS_LAMBDA = Path(__file__).resolve().parents[2] / "deploy" / "lambdas" / "grants.py"
OTHER_ACCOUNT = "345678901234"


class _Responses(BaseHTTPRequestHandler):
    """CloudFormation's pre-signed ResponseURL: records each PUT body."""

    received: list[dict[str, Any]]

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Responses", (_Responses,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response?signed", received
    finally:
        server.shutdown()


@pytest.fixture
def grants_lambda(api_env: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """deploy/lambdas/grants.py with the environment the stack gives it (and moto's endpoint)."""
    env = {
        "AMC_SETTINGS_TABLE": api_env.settings.settings_table,
        "AMC_ARTIFACT_BUCKET": api_env.settings.artifact_bucket,
        "AMC_COGNITO_REGION": api_env.settings.cognito_region,
        "AWS_ENDPOINT_URL": api_env.settings.aws_endpoint_url or "",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    spec = importlib.util.spec_from_file_location("lambda_grants", GRANTS_LAMBDA)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # configures JSON logging, as in Lambda: undone afterwards
        yield module
    finally:
        root.handlers = handlers
        root.setLevel(level)


def _template_parts(bucket: str, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The artifacts bucket policy document and the restore resource's properties, resolved for `bucket`."""
    (tmp_path / "grants.py").write_text("def handler(event, context):\n    return None\n")
    resources = grant_resources(tmp_path)["Resources"]
    (bucket_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket" and "Artifacts" in k]
    names = {bucket_id: bucket}
    (policy,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    (restore,) = [r for r in resources.values() if r["Type"] == "Custom::AmcDataUploadGrants"]
    properties = {k: v for k, v in restore["Properties"].items() if k != "ServiceToken"}
    return resolve(policy["PolicyDocument"], names), resolve(properties, names)


def _over_http(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy without its TLS-only deny: moto serves plain HTTP, where that statement (rightly)
    refuses every request; in AWS the backend and AMC use TLS. The full policy is tested on its own."""
    kept = [s for s in policy["Statement"] if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
    assert len(kept) < len(policy["Statement"]), "the template's TLS-only statement moved"
    return {**policy, "Statement": kept}


def _granted(env: ApiEnv, account: str) -> bool:
    bucket = env.names.artifact_bucket
    policy = json.loads(env.aws.s3.get_bucket_policy(Bucket=bucket)["Policy"])
    return all(
        policy_allows(policy, account, action, resource)
        for action, resource in (
            ("s3:GetObject", f"arn:aws:s3:::{bucket}/amc/any/object.gz"),
            ("s3:GetObjectTagging", f"arn:aws:s3:::{bucket}/amc/any/object.gz"),
            ("s3:GetBucketTagging", f"arn:aws:s3:::{bucket}"),
            ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        )
    )


def _upload(env: ApiEnv, dataset_id: str, name: str) -> dict[str, Any]:
    job = start_sample_job(env, dataset_id, f"upgrade/{dataset_id}/{name}.csv")
    return wait_job(env, job["jobId"])


def test_redeploy_keeps_the_grant_and_uploads_still_succeed(
    api_env: ApiEnv,
    grants_lambda: ModuleType,
    response_url: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    s3, bucket = api_env.aws.s3, api_env.names.artifact_bucket
    before = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    full_policy, properties = _template_parts(bucket, tmp_path)
    template_policy = _over_http(full_policy)
    properties["StackPolicy"] = json.dumps(_over_http(json.loads(properties["StackPolicy"])))
    url, received = response_url
    dataset_id = unique_dataset_id("upgrade")
    create_dataset(api_env, dataset_id)
    try:
        with api_env.client() as c:
            assert (
                c.post("/api/instances", json=_instance("amcupgrade1", account=OTHER_ACCOUNT)).status_code
                == 201
            )
            sandbox = c.get(f"/api/instances/{SANDBOX_INSTANCE_ID}").json()
            assert c.put(f"/api/instances/{SANDBOX_INSTANCE_ID}", json=sandbox).status_code == 200
        assert _granted(api_env, SANDBOX_DATA_UPLOAD_ACCOUNT_ID) and _granted(api_env, OTHER_ACCOUNT)

        # The deploy: CloudFormation writes the policy exactly as the template defines it ...
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(template_policy))
        assert not _granted(api_env, SANDBOX_DATA_UPLOAD_ACCOUNT_ID)
        lost = _upload(api_env, dataset_id, "during-deploy")
        assert lost["status"] == "FAILED", lost
        # AMC itself refuses: the upload is created, then fails reading the staged files.
        assert lost["instances"][0]["uploadStatus"] == "FAILED"
        assert "policy does not allow s3:GetObject" in str(lost["instances"][0]["message"])

        # ... then updates the restore resource that depends on the policy.
        event = {
            "RequestType": "Update",
            "ResponseURL": url,
            "StackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/AmcUploader/guid",
            "RequestId": "request-1",
            "LogicalResourceId": "GrantsRestore",
            "PhysicalResourceId": f"amc-data-upload-grants-{bucket}",
            "ResourceType": "Custom::AmcDataUploadGrants",
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:function", **properties},
            "OldResourceProperties": {"ServiceToken": "arn:aws:lambda:function", **properties},
        }
        grants_lambda.handler(event, None)
        assert len(received) == 1
        answer = received[0]
        assert answer["Status"] == "SUCCESS", answer
        assert (answer["RequestId"], answer["PhysicalResourceId"]) == (
            "request-1",
            event["PhysicalResourceId"],
        )

        assert _granted(api_env, SANDBOX_DATA_UPLOAD_ACCOUNT_ID) and _granted(api_env, OTHER_ACCOUNT)
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        for statement in template_policy["Statement"]:  # the template's own statements are in force too
            assert statement in policy["Statement"]
        done = _upload(api_env, dataset_id, "after-deploy")
        assert done["status"] == "SUCCEEDED", done
        assert done["instances"][0]["uploadStatus"] == "SUCCESS"
    finally:
        with contextlib.suppress(InstanceNotFound):  # not created when the test failed before
            api_env.backend.settings_repo.delete_instance("amcupgrade1")
        s3.put_bucket_policy(Bucket=bucket, Policy=before)


def _event(url: str, request: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "RequestType": request,
        "ResponseURL": url,
        "RequestId": f"request-{request}",
        "LogicalResourceId": "GrantsRestore",
        "StackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/AmcUploader/guid",
        "ResourceProperties": properties,
    }


def test_restore_writes_the_full_template_policy_with_the_grant(
    api_env: ApiEnv,
    grants_lambda: ModuleType,
    response_url: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    s3 = api_env.aws.s3
    bucket = f"upgrade-tls-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    policy, properties = _template_parts(bucket, tmp_path)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    url, received = response_url
    grants_lambda.handler(_event(url, "Create", properties), None)
    assert [r["Status"] for r in received] == ["SUCCESS"]
    written = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    amc = next(s for s in written["Statement"] if s.get("Sid") == POLICY_SID)
    assert f"arn:aws:iam::{SANDBOX_DATA_UPLOAD_ACCOUNT_ID}:root" in amc["Principal"]["AWS"]
    assert [s for s in written["Statement"] if s.get("Sid") != POLICY_SID] == policy["Statement"]


def test_restore_failure_is_reported_to_cloudformation_and_delete_changes_nothing(
    api_env: ApiEnv, grants_lambda: ModuleType, response_url: tuple[str, list[dict[str, Any]]]
) -> None:
    s3, bucket = api_env.aws.s3, api_env.names.artifact_bucket
    before = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    url, received = response_url
    grants_lambda.handler(_event(url, "Delete", {"BucketName": bucket}), None)
    grants_lambda.handler(_event(url, "Update", {"BucketName": bucket}), None)
    missing = {"BucketName": "no-such-bucket-here", "StackPolicy": json.dumps(json.loads(before))}
    grants_lambda.handler(_event(url, "Update", missing), None)
    assert [r["Status"] for r in received] == ["SUCCESS", "FAILED", "FAILED"]
    assert "StackPolicy" in received[1]["Reason"]
    assert received[2]["Reason"].startswith("AMC data-upload grants not restored")
    assert all(r["RequestId"] and r["PhysicalResourceId"] for r in received)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == before
