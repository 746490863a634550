"""The composed stack: counts, wiring between units, Lambda environments, outputs, customer-key variant."""

from __future__ import annotations

import json
import re
from typing import Any

from .cfn import render
from .conftest import CERTIFICATE_ARN, CUSTOMER_KEY_ARN, WEB_DOMAIN, Synth

# COMMON.md "Environment variables of the backend" (AWS_ENDPOINT_URL is local only, AMC_KMS_KEY_ARN optional).
BACKEND_ENV = {
    "AMC_SETTINGS_TABLE",
    "AMC_JOBS_TABLE",
    "AMC_TRIGGERS_TABLE",
    "AMC_LWA_SECRET_ID",
    "AMC_DATA_BUCKET",
    "AMC_ARTIFACT_BUCKET",
    "AMC_GLUE_JOB_NAME",
    "AMC_COGNITO_USER_POOL_ID",
    "AMC_COGNITO_CLIENT_ID",
    "AMC_COGNITO_REGION",
    "AMC_ADMIN_GROUP",
    "AMC_API_BASE_URL",
    "AMC_LWA_TOKEN_URL",
    "AMC_LWA_CONSENT_URL",
    "AMC_REDIRECT_URI",
}
HANDLERS = ("api.handler", "uploader.handler", "refresher.handler")


def our_functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"]["Handler"]: f["Properties"]
        for f in synth.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") in HANDLERS
    }


def test_resource_counts(synth: Synth) -> None:
    expected = {
        "AWS::S3::Bucket": 3,  # logs, artifacts, web (the data bucket is the customer's)
        "AWS::DynamoDB::Table": 3,
        "AWS::KMS::Key": 1,
        "AWS::SecretsManager::Secret": 1,
        "AWS::Cognito::UserPool": 1,
        "AWS::Cognito::UserPoolClient": 1,
        "AWS::Cognito::UserPoolDomain": 1,
        "AWS::ApiGateway::RestApi": 1,
        "AWS::ApiGateway::Authorizer": 1,
        "AWS::Glue::Job": 1,
        "AWS::Glue::SecurityConfiguration": 1,
        "AWS::SQS::Queue": 1,
        "AWS::CloudFront::Distribution": 1,
        "AWS::Events::Rule": 1,
        "Custom::CDKBucketDeployment": 2,  # Glue files, web app
    }
    counts = {t: len(synth.resources(t)) for t in expected}
    assert counts == expected
    assert set(our_functions(synth)) == set(HANDLERS)


def test_lambdas_share_runtime_architecture_and_backend_environment(synth: Synth) -> None:
    for handler, props in our_functions(synth).items():
        assert props["Runtime"] == "python3.12", handler
        assert props["Architectures"] == ["x86_64"], handler
        env = props["Environment"]["Variables"]
        extra = {"AMC_MAX_UPLOAD_BYTES"} if handler == "api.handler" else set()
        assert set(env) == BACKEND_ENV | extra, handler  # no customer key in the default variant
        assert env["AMC_ADMIN_GROUP"] == "admins"
        assert env["AMC_API_BASE_URL"] == "https://advertising-api.amazon.com"
        assert render(env["AMC_REDIRECT_URI"]).endswith(".cloudfront.net>/redirect") or render(
            env["AMC_REDIRECT_URI"]
        ).endswith("/redirect")
        assert render(env["AMC_DATA_BUCKET"]) == "<DataBucketName>"
        assert "LoggingConfig" in props
    # The small-file upload route must fit Lambda's 6 MB request limit after base64 (4/3).
    assert (
        int(our_functions(synth)["api.handler"]["Environment"]["Variables"]["AMC_MAX_UPLOAD_BYTES"]) * 4 / 3
        < 6e6
    )


def test_parameters_and_outputs(synth: Synth) -> None:
    params = synth.template["Parameters"]
    assert {"DataBucketName", "AdminEmail"} <= set(params)
    assert "Default" not in params["DataBucketName"]  # must be given at deploy time
    outputs = synth.template["Outputs"]
    assert {
        "WebUrl",
        "ApiUrl",
        "ApiGatewayUrl",
        "DataBucket",
        "ArtifactsBucket",
        "UserPoolId",
        "UserPoolClientId",
        "HostedUiUrl",
        "GlueJobName",
        "PostDeployStep",
    } <= set(outputs)
    assert render(outputs["WebUrl"]["Value"]).startswith("https://<WebDistribution")
    step = render(outputs["PostDeployStep"]["Value"])
    assert "/redirect" in step and "Allowed Return URLs" in step


def test_every_bucket_private_encrypted_and_tls_only(synth: Synth) -> None:
    buckets = synth.resources("AWS::S3::Bucket")
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert all(props["PublicAccessBlockConfiguration"].values()), logical_id
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
    tls_only = set()
    for policy in synth.resources("AWS::S3::BucketPolicy").values():
        for s in policy["Properties"]["PolicyDocument"]["Statement"]:
            if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                tls_only.add(policy["Properties"]["Bucket"]["Ref"])
    assert tls_only == set(buckets)


def test_encryption_at_rest_uses_the_stack_key(synth: Synth) -> None:
    (key_id,) = synth.resources("AWS::KMS::Key")
    for log_group in synth.resources("AWS::Logs::LogGroup").values():
        assert render(log_group["Properties"]["KmsKeyId"]) == f"<{key_id}.Arn>"
    for table in synth.resources("AWS::DynamoDB::Table").values():
        assert render(table["Properties"]["SSESpecification"]["KMSMasterKeyId"]) == f"<{key_id}.Arn>"
    (queue,) = synth.resources("AWS::SQS::Queue").values()
    assert render(queue["Properties"]["KmsMasterKeyId"]) == f"<{key_id}.Arn>"


def test_every_api_method_is_authorized_except_health(synth: Synth) -> None:
    methods = synth.resources("AWS::ApiGateway::Method")
    assert len(methods) == 3
    open_methods = []
    for logical_id, method in methods.items():
        props = method["Properties"]
        if props["AuthorizationType"] != "COGNITO_USER_POOLS":
            open_methods.append((logical_id, props["HttpMethod"]))
        else:
            assert props["AuthorizerId"]
    assert len(open_methods) == 1
    assert "health" in open_methods[0][0].lower() and open_methods[0][1] == "GET"


def test_runtime_config_and_csp_point_at_this_stack(synth: Synth) -> None:
    (policy,) = synth.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = render(
        policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"][
            "ContentSecurityPolicy"
        ]
    )
    assert "execute-api" not in csp  # the API is served under the site's own origin
    assert "connect-src 'self' https://cognito-idp" in csp
    assert "https://cognito-idp.<AWS::Region>.<AWS::URLSuffix>" in csp
    assert ".auth.<AWS::Region>.amazoncognito.com" in csp
    web_deployments = [
        d
        for d in synth.resources("Custom::CDKBucketDeployment").values()
        if "DistributionId" in d["Properties"]
    ]
    assert len(web_deployments) == 1
    markers = json.dumps(web_deployments[0]["Properties"].get("SourceMarkers", []))
    for ref in ("UserPool", "WebClient", "WebDistribution"):
        assert ref in markers, ref
    (dist,) = synth.resources("AWS::CloudFront::Distribution").values()
    (api_behavior,) = dist["Properties"]["DistributionConfig"]["CacheBehaviors"]
    assert api_behavior["PathPattern"] == "/api/*"


def test_glue_job_installs_the_built_wheels(synth: Synth, build_paths: Any) -> None:
    (job,) = synth.resources("AWS::Glue::Job").values()
    modules = render(job["Properties"]["DefaultArguments"]["--additional-python-modules"]).split(",")
    assert [m.rsplit("/", 1)[1] for m in modules] == build_paths.glue_wheels
    assert modules[0].rsplit("/", 1)[1].startswith("amc_uploader-")


def test_customer_key_variant(synth_cmk: Synth) -> None:
    t = synth_cmk
    artifacts = [
        b
        for b in t.resources("AWS::S3::Bucket").values()
        if b["Properties"].get("LoggingConfiguration", {}).get("LogFilePrefix") == "s3/artifacts/"
    ]
    sse = artifacts[0]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": CUSTOMER_KEY_ARN,
    }
    for handler, props in our_functions(t).items():
        assert props["Environment"]["Variables"]["AMC_KMS_KEY_ARN"] == CUSTOMER_KEY_ARN, handler
        assert (
            props["Environment"]["Variables"]["AMC_API_BASE_URL"] == "https://advertising-api-eu.amazon.com"
        )
    (sec,) = t.resources("AWS::Glue::SecurityConfiguration").values()
    s3_enc = sec["Properties"]["EncryptionConfiguration"]["S3Encryptions"]
    assert s3_enc == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": CUSTOMER_KEY_ARN}]
    granted = {
        policy_id
        for policy_id, policy in t.resources("AWS::IAM::Policy").items()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "CustomerKey" and s["Resource"] == CUSTOMER_KEY_ARN
    }
    assert len(granted) == 3  # API, uploader, Glue
    assert t.template["Parameters"]["DataBucketName"]["Default"] == "acme-crm-exports"


def test_custom_domain_and_data_bucket_triggers_variant(synth_cmk: Synth) -> None:
    t = synth_cmk
    (dist,) = t.resources("AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    assert config["Aliases"] == [WEB_DOMAIN]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert render(t.template["Outputs"]["WebUrl"]["Value"]) == f"https://{WEB_DOMAIN}"
    (client,) = t.resources("AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["CallbackURLs"] == [f"https://{WEB_DOMAIN}/"]
    notifications = {
        render(n["Properties"]["BucketName"]): n["Properties"]
        for n in t.resources("Custom::S3BucketNotifications").values()
    }
    data_bucket = notifications["<DataBucketName>"]
    assert data_bucket["Managed"] is False  # the customer's other notifications are kept
    (config_,) = data_bucket["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert config_["Events"] == ["s3:ObjectCreated:*"]
    assert "UploadUploaderFunction" in render(config_["LambdaFunctionArn"])
    sids = {
        s["Sid"]
        for pid, p in t.resources("AWS::IAM::Policy").items()
        if pid.startswith("UploadUploaderRole")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "Sid" in s
    }
    assert {"TriggerRules", "ReadNewObjects", "WriteJobConfigs", "StartGlueRuns"} <= sids


def test_default_variant_has_no_trigger_grants(synth: Synth) -> None:
    sids = {
        s.get("Sid")
        for pid, p in synth.resources("AWS::IAM::Policy").items()
        if pid.startswith("UploadUploaderRole")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    }
    assert not {"TriggerRules", "ReadNewObjects", "WriteJobConfigs", "StartGlueRuns"} & sids
    notifications = [
        render(n["Properties"]["BucketName"])
        for n in synth.resources("Custom::S3BucketNotifications").values()
    ]
    assert "<DataBucketName>" not in notifications


def test_template_is_account_and_region_agnostic(synth: Synth) -> None:
    """One template deploys anywhere: no account ids or region names baked in."""
    text = json.dumps(synth.template)
    assert re.findall(r"\b\d{12}\b", text) == []
    assert re.findall(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b", text) == []
