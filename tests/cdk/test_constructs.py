"""Each construct on its own, in a small stack: the properties that matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from amc_infra.api import Api
from amc_infra.auth import ADMIN_GROUP, Auth
from amc_infra.data import Data
from amc_infra.etl import GLUE_VERSION, MAX_CONCURRENT_RUNS, Etl
from amc_infra.grants import RESOURCE_TYPE, DataUploadGrants
from amc_infra.keys import Keys
from amc_infra.storage import Storage
from amc_infra.upload import Upload
from amc_infra.web import Web, content_security_policy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from .cfn import render

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def new_stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test")


def only(template: Template, type_: str) -> dict[str, Any]:
    found = template.find_resources(type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return next(iter(found.values()))


def test_keys_rotated_stack_key_usable_by_cloudwatch_logs() -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys")
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::KMS::Key", 1)
    key = only(t, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    logs = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowCloudWatchLogs"]
    assert len(logs) == 1
    assert "kms:EncryptionContext:aws:logs:arn" in logs[0]["Condition"]["ArnLike"]
    assert keys.data_key is None
    t.resource_count_is("AWS::KMS::Alias", 1)


def test_keys_with_customer_key_imports_it() -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys", customer_key_arn=KEY_ARN)
    assert keys.data_key is not None
    assert stack.resolve(keys.data_key.key_arn) == KEY_ARN
    Template.from_stack(stack).resource_count_is("AWS::KMS::Key", 1)  # only the stack key is created


@pytest.mark.parametrize("customer_key", [False, True])
def test_storage_artifacts_bucket(customer_key: bool) -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys", customer_key_arn=KEY_ARN if customer_key else None)
    storage = Storage(stack, "Storage", data_bucket_name="acme-data", data_key=keys.data_key)
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::S3::Bucket", 2)  # artifacts + logs; the data bucket is imported
    assert storage.data_bucket.bucket_name == "acme-data"
    artifacts = t.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.any_value()}}
    )
    assert len(artifacts) == 1
    props = next(iter(artifacts.values()))["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "s3/artifacts/"
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    if customer_key:
        assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}
        assert sse["BucketKeyEnabled"] is True
    else:
        assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireStagedData"]["Prefix"] == "amc/"
    assert rules["ExpireStagedData"]["ExpirationInDays"] == 3
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }
    assert "Prefix" not in rules["AbortIncompleteMultipartUploads"]


def test_storage_buckets_deny_plain_http() -> None:
    stack = new_stack()
    Storage(stack, "Storage", data_bucket_name="acme-data")
    t = Template.from_stack(stack)
    policies = t.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )
    for bucket in t.find_resources("AWS::S3::Bucket").values():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == BLOCK_ALL
        assert "BucketEncryption" in bucket["Properties"]


def test_data_tables_and_secret_encrypted_with_stack_key() -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys")
    Data(stack, "Data", key=keys.key)
    t = Template.from_stack(stack)
    tables = t.find_resources("AWS::DynamoDB::Table")
    assert len(tables) == 3
    key_id = stack.resolve(stack.get_logical_id(keys.key.node.default_child))  # type: ignore[arg-type]
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["SSESpecification"]["SSEType"] == "KMS"
        assert render(props["SSESpecification"]["KMSMasterKeyId"]) == f"<{key_id}.Arn>"
        assert props["DeletionProtectionEnabled"] is True
        assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    secret = only(t, "AWS::SecretsManager::Secret")
    assert render(secret["Properties"]["KmsKeyId"]) == f"<{key_id}.Arn>"
    assert secret["Properties"]["SecretString"] == "{}"


def test_auth_admin_only_pool_with_pkce_client() -> None:
    stack = new_stack()
    auth = Auth(
        stack, "Auth", admin_email="admin@example.com", domain_prefix="amc-test-123", threat_protection=True
    )
    auth.add_web_client("https://d111.cloudfront.net")
    t = Template.from_stack(stack)
    pool = only(t, "AWS::Cognito::UserPool")["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    risk = only(t, "AWS::Cognito::UserPoolRiskConfigurationAttachment")["Properties"]
    actions = risk["AccountTakeoverRiskConfiguration"]["Actions"]
    assert actions["HighAction"]["EventAction"] == "MFA_REQUIRED"
    assert risk["CompromisedCredentialsRiskConfiguration"]["Actions"]["EventAction"] == "BLOCK"
    t.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": ADMIN_GROUP})
    t.has_resource_properties(
        "AWS::Cognito::UserPoolUser",
        {"Username": "admin@example.com", "DesiredDeliveryMediums": ["EMAIL"]},
    )
    t.has_resource_properties(
        "AWS::Cognito::UserPoolUserToGroupAttachment",
        {"GroupName": ADMIN_GROUP, "Username": "admin@example.com"},
    )
    client = only(t, "AWS::Cognito::UserPoolClient")["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["GenerateSecret"] is False
    assert client["CallbackURLs"] == ["https://d111.cloudfront.net/"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    t.has_resource_properties("AWS::Cognito::UserPoolDomain", {"Domain": "amc-test-123"})
    assert (
        render(stack.resolve(auth.hosted_ui_url))
        == "https://amc-test-123.auth.<AWS::Region>.amazoncognito.com"
    )


def test_auth_without_threat_protection_uses_essentials_by_default() -> None:
    """Threat protection is billed per monthly active user (Plus plan): off unless asked for."""
    stack = new_stack()
    Auth(stack, "Auth", admin_email="admin@example.com", domain_prefix="amc-test")
    t = Template.from_stack(stack)
    pool = only(t, "AWS::Cognito::UserPool")["Properties"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert "UserPoolAddOns" not in pool
    t.resource_count_is("AWS::Cognito::UserPoolRiskConfigurationAttachment", 0)


def test_api_every_method_but_health_uses_the_cognito_authorizer(bundle_dir: Path) -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys")
    pool = cognito.UserPool(stack, "Pool")
    api = Api(stack, "Api", bundle_dir=bundle_dir, key=keys.key, user_pool=pool, environment={"A": "1"})
    t = Template.from_stack(stack)
    authorizer = only(t, "AWS::ApiGateway::Authorizer")["Properties"]
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    methods = t.find_resources("AWS::ApiGateway::Method")
    resources = t.find_resources("AWS::ApiGateway::Resource")
    paths = {k: v["Properties"]["PathPart"] for k, v in resources.items()}
    seen = set()
    for method in methods.values():
        props = method["Properties"]
        path = paths.get(props["ResourceId"]["Ref"], "/")
        seen.add((props["HttpMethod"], path))
        if (props["HttpMethod"], path) == ("GET", "health"):
            assert props["AuthorizationType"] == "NONE"
        else:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS", (props["HttpMethod"], path)
            assert "AuthorizerId" in props
            assert props["Integration"]["Type"] == "AWS_PROXY"
    assert seen == {("ANY", "api"), ("ANY", "{proxy+}"), ("GET", "health")}
    stage = only(t, "AWS::ApiGateway::Stage")["Properties"]
    settings = stage["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == 50
    assert settings["ThrottlingBurstLimit"] == 100
    assert settings["DataTraceEnabled"] is False
    assert "DestinationArn" in stage["AccessLogSetting"]
    fn = only(t, "AWS::Lambda::Function")["Properties"]
    assert (fn["Runtime"], fn["Architectures"], fn["Handler"]) == ("python3.12", ["x86_64"], "api.handler")
    assert fn["Environment"]["Variables"] == {"A": "1"}
    t.resource_count_is("AWS::ApiGateway::GatewayResponse", 0)  # no CORS: same origin as the web app
    assert render(stack.resolve(api.domain_name)).endswith(".execute-api.<AWS::Region>.<AWS::URLSuffix>")
    assert api.stage_path == "/prod"
    for log_group in t.find_resources("AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in log_group["Properties"]


def test_etl_glue5_job_with_wheels_and_encrypted_logs(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "amc_transformations.py").write_text("print('hi')\n")
    wheels = ["amc_uploader-0.1.0-py3-none-any.whl", "phonenumbers-9.0.0-py3-none-any.whl"]
    for w in wheels:
        (tmp_path / "wheels" / w).write_bytes(b"PK")
    stack = new_stack()
    keys = Keys(stack, "Keys")
    storage = Storage(stack, "Storage", data_bucket_name="acme-data")
    Etl(
        stack,
        "Etl",
        glue_dir=tmp_path,
        wheels=wheels,
        artifacts_bucket=storage.artifacts_bucket,
        key=keys.key,
    )
    t = Template.from_stack(stack)
    job = only(t, "AWS::Glue::Job")["Properties"]
    assert job["GlueVersion"] == GLUE_VERSION == "5.0"
    assert job["Command"]["Name"] == "glueetl"
    assert job["Command"]["PythonVersion"] == "3"
    assert render(job["Command"]["ScriptLocation"]).endswith("/glue/amc_transformations.py")
    assert job["ExecutionProperty"]["MaxConcurrentRuns"] == MAX_CONCURRENT_RUNS
    assert job["MaxRetries"] == 0
    args = job["DefaultArguments"]
    modules = render(args["--additional-python-modules"]).split(",")
    assert [m.rsplit("/", 1)[1] for m in modules] == wheels
    assert all(m.startswith("s3://") and "/glue/wheels/" in m for m in modules)
    assert args["--enable-continuous-cloudwatch-log"] == "true"
    assert "SecurityConfiguration" in job
    enc = only(t, "AWS::Glue::SecurityConfiguration")["Properties"]["EncryptionConfiguration"]
    assert enc["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert enc["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"
    assert enc["S3Encryptions"] == [{"S3EncryptionMode": "SSE-S3"}]
    deployment = only(t, "Custom::CDKBucketDeployment")["Properties"]
    assert deployment["DestinationBucketKeyPrefix"] == "glue/"


def test_grants_restore_runs_after_the_bucket_policy_it_carries(bundle_dir: Path) -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys")
    storage = Storage(stack, "Storage", data_bucket_name="source-data")
    DataUploadGrants(
        stack, "Grants", bundle_dir=bundle_dir, key=keys.key, bucket=storage.artifacts_bucket, environment={}
    )
    t = Template.from_stack(stack)
    policies = t.find_resources("AWS::S3::BucketPolicy")
    (artifacts_policy,) = [k for k, r in policies.items() if "Artifacts" in render(r["Properties"]["Bucket"])]
    restore = only(t, RESOURCE_TYPE)
    assert restore["DependsOn"] == [artifacts_policy]
    assert "aws:SecureTransport" in render(restore["Properties"]["StackPolicy"])
    fn = only(t, "AWS::Lambda::Function")
    assert fn["Properties"]["Handler"] == "grants.handler"

    bare = new_stack()
    with pytest.raises(ValueError, match="stack-owned policy"):
        DataUploadGrants(
            bare,
            "Grants",
            bundle_dir=bundle_dir,
            key=Keys(bare, "Keys").key,
            bucket=s3.Bucket(bare, "NoPolicy"),
            environment={},
        )


def test_upload_manifest_trigger_dlq_and_schedule(bundle_dir: Path) -> None:
    stack = new_stack()
    keys = Keys(stack, "Keys")
    storage = Storage(stack, "Storage", data_bucket_name="acme-data")
    Upload(
        stack,
        "Upload",
        bundle_dir=bundle_dir,
        key=keys.key,
        artifacts_bucket=storage.artifacts_bucket,
        environment={"A": "1"},
    )
    t = Template.from_stack(stack)
    functions = {
        f["Properties"]["Handler"]: f["Properties"]
        for f in t.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") in ("uploader.handler", "refresher.handler")
    }
    assert set(functions) == {"uploader.handler", "refresher.handler"}
    assert "DeadLetterConfig" in functions["uploader.handler"]
    t.has_resource_properties("AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 2})
    (queue,) = t.find_resources("AWS::SQS::Queue").values()
    assert "KmsMasterKeyId" in queue["Properties"]
    # Undelivered work: kept when the stack is deleted or the queue replaced.
    assert queue["DeletionPolicy"] == queue["UpdateReplacePolicy"] == "Retain"
    notification = only(t, "Custom::S3BucketNotifications")["Properties"]["NotificationConfiguration"]
    config = notification["LambdaFunctionConfigurations"][0]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"]: r["Value"] for r in config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "amc/", "suffix": "manifest.txt"}
    t.has_resource_properties(
        "AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)", "State": "ENABLED"}
    )


def test_web_private_bucket_cloudfront_spa_and_security_headers() -> None:
    stack = new_stack()
    storage = Storage(stack, "Storage", data_bucket_name="acme-data")
    dist = Path(__file__).parent / "web_fixture"
    web = Web(
        stack,
        "Web",
        dist_dir=dist,
        logs_bucket=storage.logs_bucket,
        connect_sources=["https://cognito-idp.x", "https://auth.x"],
        api_domain_name="abc.execute-api.us-east-1.amazonaws.com",
        api_origin_path="/prod",
    )
    web.deploy({"apiBaseUrl": "https://api", "authMode": "cognito"})
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    config = only(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert set(errors) == {403, 404}
    assert all(e["ResponseCode"] == 200 and e["ResponsePagePath"] == "/index.html" for e in errors.values())
    origins = {o["Id"]: o for o in config["Origins"]}
    s3_origin = origins[config["DefaultCacheBehavior"]["TargetOriginId"]]
    assert "OriginAccessControlId" in s3_origin
    assert s3_origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    (api_behavior,) = config["CacheBehaviors"]
    assert api_behavior["PathPattern"] == "/api/*"
    assert api_behavior["ViewerProtocolPolicy"] == "https-only"
    assert "POST" in api_behavior["AllowedMethods"]
    # Managed policies: CachingDisabled, AllViewerExceptHostHeader (forwards Authorization, not Host).
    assert api_behavior["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert api_behavior["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    api_origin = origins[api_behavior["TargetOriginId"]]
    assert api_origin["DomainName"] == "abc.execute-api.us-east-1.amazonaws.com"
    assert api_origin["OriginPath"] == "/prod"
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    headers = only(t, "AWS::CloudFront::ResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "connect-src 'self' https://cognito-idp.x https://auth.x;" in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ContentTypeOptions"]["Override"] is True
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] is True
    deployment = only(t, "Custom::CDKBucketDeployment")["Properties"]
    assert len(deployment["SourceObjectKeys"]) == 2  # the app + runtime-config.json
    assert deployment["DistributionPaths"] == ["/*"]
    web_bucket = t.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": {"LogFilePrefix": "s3/web/"}}}
    )
    assert len(web_bucket) == 1
    assert next(iter(web_bucket.values()))["Properties"]["PublicAccessBlockConfiguration"] == BLOCK_ALL


def test_content_security_policy_allows_only_self_and_named_sources() -> None:
    csp = content_security_policy(["https://api.example", "https://auth.example"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["connect-src"] == "'self' https://api.example https://auth.example"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-eval" not in csp and "*" not in csp
