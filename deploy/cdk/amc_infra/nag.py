"""cdk-nag AwsSolutions acknowledgments. Each names one finding on one construct and says why it stands.

Findings on resources that aws-cdk-lib generates for us (the BucketDeployment and S3 notification
providers) are acknowledged on those singleton constructs only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

from amc_infra.publish import ASSET_BUCKET_PARAMETER, PublishSynthesizer
from amc_uploader.job.layout import JOB_CONFIG_PREFIX, STAGING_PREFIX

if TYPE_CHECKING:
    from amc_infra.stack import AmcUploaderStack

PACK = "AwsSolutions::"
CMK_ACTIONS = ("Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*")
BASIC_EXECUTION = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def _ack(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=PACK + rule, reason=reason))


def _ref(stack: Stack, construct: IConstruct, attribute: str = "Arn") -> str:
    """How cdk-nag spells a resource attribute inside a finding id, e.g. `<LogicalId.Arn>`."""
    default_child = construct.node.default_child
    assert isinstance(default_child, CfnElement)
    return f"<{stack.resolve(stack.get_logical_id(default_child))}.{attribute}>"


def acknowledge_findings(stack: AmcUploaderStack) -> None:
    u = stack.units
    api, upload, etl, auth, data, web = u.api, u.upload, u.etl, u.auth, u.data, u.web
    artifacts = _ref(stack, u.storage.artifacts_bucket)
    data_objects = "arn:<AWS::Partition>:s3:::<DataBucketName>/*"
    # With data-bucket triggers the uploader also reads new source objects and starts Glue runs.
    triggers = [upload.uploader.role] if stack.config.data_bucket_triggers else []

    _ack(
        data.lwa_secret,
        "AwsSolutions-SMG4",
        "Holds the Login with Amazon client id/secret and the refresh token from the consent flow: "
        "Amazon issues them, so no rotation Lambda can rotate them; the admin replaces them in the app.",
    )
    _ack(
        auth.user_pool,
        "AwsSolutions-COG2",
        "MFA is optional by product decision (issue 6): users may enrol TOTP; threat protection "
        "(Plus plan, context threatProtection=true) asks for it on risky sign-ins. Users are "
        "admin-created only.",
    )
    if not stack.config.threat_protection:
        for rule in ("AwsSolutions-COG8",):
            _ack(
                auth.user_pool,
                rule,
                "Threat protection needs the Plus feature plan, billed per monthly active user: off by "
                "default (issue 14), on with context threatProtection=true.",
            )
    for fn in (api.handler, upload.uploader, upload.refresher, u.grants.handler):
        _ack(
            fn.function,
            "AwsSolutions-L1",
            "Python 3.12 is the runtime deploy/build.sh builds the bundle for (pydantic-core and "
            "cryptography wheels are per CPython version); bump both together.",
        )
    _ack(
        api.rest_api.deployment_stage,
        "AwsSolutions-APIG3",
        "No WAF by default (fixed monthly cost): every data route needs a Cognito token and the stage "
        "is throttled (50 rps, burst 100). Associate a web ACL if your policy requires one.",
    )
    health = api.rest_api.root.resource_for_path("/api/health").node.find_child("GET")
    for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
        _ack(
            health,
            rule,
            "GET /api/health is the unauthenticated liveness check of the backend "
            "contract: it returns a status and version only, no data.",
        )
    distribution = web.distribution
    _ack(
        distribution,
        "AwsSolutions-CFR1",
        "Users are the deploying company's staff wherever they are; access is gated by Cognito, "
        "not by country.",
    )
    _ack(
        distribution,
        "AwsSolutions-CFR2",
        "The distribution serves only the static web app; all data goes through the Cognito-protected "
        "API. Attach a WAF web ACL if your policy requires one.",
    )
    if not web.custom_certificate:
        _ack(
            distribution,
            "AwsSolutions-CFR4",
            "No custom domain configured (context webDomainName/webCertificateArn), so CloudFront's default "
            "*.cloudfront.net certificate is used, whose TLS policy CloudFront fixes; HTTP is redirected "
            "to HTTPS and HSTS is sent.",
        )
    _ack(
        api.rest_api.node.find_child("CloudWatchRole"),
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role: this managed policy is the documented way to "
        "enable access and execution logs.",
    )

    # Resource wildcards in our roles: object ARNs under a bucket or prefix, and log groups Glue names.
    wildcards = {
        f"Resource::{data_objects}": (
            [api.handler.role, etl.role, *triggers],
            "Source files are arbitrary keys in the customer's data bucket: object-level actions need "
            "the bucket's object ARN pattern.",
        ),
        f"Resource::{artifacts}/*": (
            [api.handler.role],
            "The API reads job configs, job records and reports it or Glue wrote (GetObject only).",
        ),
        f"Resource::{artifacts}/{STAGING_PREFIX}*": (
            [api.handler.role, etl.role, upload.uploader.role, upload.refresher.role],
            "Staged data, manifests and job records live under amc/<dataset>/<job>/<instance>/ "
            "(staging contract): keys are created per job.",
        ),
        f"Resource::{artifacts}/{JOB_CONFIG_PREFIX}*": (
            [api.handler.role, etl.role, *triggers],
            "One JobConfig JSON per run under jobs/, written by the API and read by Glue.",
        ),
        f"Resource::{artifacts}/glue/*": (
            [etl.role],
            "Glue reads its entry script and wheels deployed under glue/ (names change with versions).",
        ),
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws-glue/*": (
            [etl.role],
            "Glue continuous logging creates its log groups and streams under /aws-glue/ with names "
            "derived from the security configuration; they cannot be listed in advance.",
        ),
        "Resource::*": (
            [etl.role],
            "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to "
            "the Glue namespace by condition.",
        ),
    }
    for finding, (roles, reason) in wildcards.items():
        for role in roles:
            _ack(role, f"AwsSolutions-IAM5[{finding}]", reason)

    _acknowledge_cdk_providers(stack)


def _acknowledge_cdk_providers(stack: AmcUploaderStack) -> None:
    units = stack.units
    # Where the deployment copies from: CDK's bootstrap bucket, or the one-click template's asset bucket.
    asset_bucket = (
        f"Resource::arn:<AWS::Partition>:s3:::<{ASSET_BUCKET_PARAMETER}>/*"
        if isinstance(stack.synthesizer, PublishSynthesizer)
        else "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*"
    )
    for child in stack.node.children:
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            provider = "aws-cdk-lib's BucketDeployment provider"
            _ack(
                child,
                "AwsSolutions-L1",
                f"{provider} picks its own runtime; it only runs during deployments.",
            )
            _ack(
                child, BASIC_EXECUTION, f"{provider} role, generated by CDK: basic execution (its own logs)."
            )
            buckets = (units.storage.artifacts_bucket, units.web.bucket)
            for finding in (
                "Action::s3:GetObject*",
                "Action::s3:GetBucket*",
                "Action::s3:List*",
                "Action::s3:DeleteObject*",
                "Action::s3:Abort*",
                "Resource::*",
                asset_bucket,
                *(f"Resource::{_ref(stack, bucket)}/*" for bucket in buckets),
                # With a customer key the artifacts bucket is SSE-KMS: CDK grants the key's data actions.
                *(CMK_ACTIONS if units.keys.customer_key else ()),
            ):
                _ack(
                    child,
                    f"AwsSolutions-IAM5[{finding}]",
                    f"{provider} policy, generated by CDK: copies the built web app and Glue files from the "
                    "asset bucket into their buckets and invalidates CloudFront (invalidations have no "
                    "resource-level permissions).",
                )
        elif child.node.id.startswith("BucketNotificationsHandler"):
            _ack(
                child,
                BASIC_EXECUTION,
                "aws-cdk-lib's S3 bucket-notifications provider role, generated by CDK: basic execution "
                "(its own logs); it sets the manifest trigger on the artifacts bucket during deployments.",
            )
