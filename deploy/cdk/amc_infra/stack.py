"""`AmcUploaderStack`: composes the units and makes every grant (least privilege, explicit actions)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Aws, CfnOutput, CfnParameter, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from amc_infra.api import Api
from amc_infra.auth import Auth
from amc_infra.data import Data
from amc_infra.etl import Etl
from amc_infra.grants import DataUploadGrants
from amc_infra.keys import Keys
from amc_infra.nag import acknowledge_findings
from amc_infra.paths import BuildPaths
from amc_infra.storage import Storage
from amc_infra.upload import Upload
from amc_infra.web import Web
from amc_uploader.job.layout import JOB_CONFIG_PREFIX, STAGING_PREFIX

# Login with Amazon / Amazon Ads API hosts per advertising region (spec A.5).
AMC_REGIONS = {
    "NA": (
        "https://advertising-api.amazon.com",
        "https://api.amazon.com/auth/o2/token",
        "https://www.amazon.com/ap/oa",
    ),
    "EU": (
        "https://advertising-api-eu.amazon.com",
        "https://api.amazon.co.uk/auth/o2/token",
        "https://eu.account.amazon.com/ap/oa",
    ),
    "FE": (
        "https://advertising-api-fe.amazon.com",
        "https://api.amazon.co.jp/auth/o2/token",
        "https://apac.account.amazon.com/ap/oa",
    ),
}
LWA_REDIRECT_PATH = "/redirect"
MAX_UPLOAD_BYTES = 4 * 1024 * 1024

TABLE_READ_WRITE = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]


@dataclass(frozen=True)
class StackConfig:
    """Synth-time settings (cdk.json context or `-c key=value`).

    `data_bucket_name` and `admin_email` only prefill the CloudFormation parameters of the same
    purpose; `customer_kms_key_arn` switches data at rest in S3 (and Glue output) to that key.
    """

    data_bucket_name: str | None = None
    admin_email: str | None = None
    customer_kms_key_arn: str | None = None
    amc_region: str = "NA"
    threat_protection: bool = False
    auth_domain_prefix: str | None = None
    web_domain_name: str | None = None
    web_certificate_arn: str | None = None
    data_bucket_triggers: bool = False

    def __post_init__(self) -> None:
        if self.amc_region not in AMC_REGIONS:
            raise ValueError(f"amcRegion must be one of {sorted(AMC_REGIONS)}, not {self.amc_region!r}")
        if self.customer_kms_key_arn and not self.customer_kms_key_arn.startswith("arn:"):
            raise ValueError("customerKmsKeyArn must be a KMS key ARN (arn:aws:kms:...)")
        if bool(self.web_domain_name) != bool(self.web_certificate_arn):
            raise ValueError("webDomainName and webCertificateArn (ACM, us-east-1) go together")


@dataclass(frozen=True)
class Units:
    """The stack's constructs, for tests and for the cdk-nag acknowledgments."""

    keys: Keys
    storage: Storage
    data: Data
    auth: Auth
    etl: Etl
    api: Api
    web: Web
    upload: Upload
    grants: DataUploadGrants


class AmcUploaderStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        paths: BuildPaths,
        config: StackConfig | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(
            scope, id_, description="AMC Uploader: normalize, hash and upload data to AMC", **kwargs
        )  # type: ignore[arg-type]
        config = config or StackConfig()
        self.config = config
        data_bucket_name = CfnParameter(
            self,
            "DataBucketName",
            type="String",
            description="Existing S3 bucket holding the source files (read by the app; not modified)",
            allowed_pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$",
            **({"default": config.data_bucket_name} if config.data_bucket_name else {}),
        ).value_as_string
        admin_email = CfnParameter(
            self,
            "AdminEmail",
            type="String",
            description="E-mail of the first administrator (receives the temporary password)",
            allowed_pattern=r"^[^\s@]+@[^\s@]+\.[^\s@]+$",
            **({"default": config.admin_email} if config.admin_email else {}),
        ).value_as_string

        keys = Keys(self, "Keys", customer_key_arn=config.customer_kms_key_arn)
        storage = Storage(self, "Storage", data_bucket_name=data_bucket_name, data_key=keys.data_key)
        data = Data(self, "Data", key=keys.key)
        auth = Auth(
            self,
            "Auth",
            admin_email=admin_email,
            domain_prefix=config.auth_domain_prefix or f"{self.stack_name.lower()}-{Aws.ACCOUNT_ID}",
            threat_protection=config.threat_protection,
        )
        etl = Etl(
            self,
            "Etl",
            glue_dir=paths.glue_dir,
            wheels=paths.glue_wheels,
            artifacts_bucket=storage.artifacts_bucket,
            key=keys.key,
            data_key=keys.data_key,
        )

        amc_api, lwa_token, lwa_consent = AMC_REGIONS[config.amc_region]
        environment = {
            "AMC_SETTINGS_TABLE": data.settings_table.table_name,
            "AMC_JOBS_TABLE": data.jobs_table.table_name,
            "AMC_TRIGGERS_TABLE": data.triggers_table.table_name,
            "AMC_LWA_SECRET_ID": data.lwa_secret.secret_arn,
            "AMC_DATA_BUCKET": storage.data_bucket.bucket_name,
            "AMC_ARTIFACT_BUCKET": storage.artifacts_bucket.bucket_name,
            "AMC_GLUE_JOB_NAME": etl.job_name,
            "AMC_COGNITO_USER_POOL_ID": auth.user_pool.user_pool_id,
            "AMC_COGNITO_REGION": self.region,
            "AMC_ADMIN_GROUP": auth.admin_group_name,
            "AMC_API_BASE_URL": amc_api,
            "AMC_LWA_TOKEN_URL": lwa_token,
            "AMC_LWA_CONSENT_URL": lwa_consent,
        }
        if config.customer_kms_key_arn:
            environment["AMC_KMS_KEY_ARN"] = config.customer_kms_key_arn

        api = Api(
            self,
            "Api",
            bundle_dir=paths.lambda_dir,
            key=keys.key,
            user_pool=auth.user_pool,
            # Lambda takes at most 6 MB per request and API Gateway base64-encodes binary bodies.
            environment={**environment, "AMC_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES)},
        )
        cognito_endpoint = f"https://cognito-idp.{self.region}.{self.url_suffix}"
        web = Web(
            self,
            "Web",
            dist_dir=paths.web_dir,
            logs_bucket=storage.logs_bucket,
            connect_sources=[cognito_endpoint, auth.hosted_ui_url],
            api_domain_name=api.domain_name,
            api_origin_path=api.stage_path,
            domain_name=config.web_domain_name,
            certificate_arn=config.web_certificate_arn,
        )
        client = auth.add_web_client(web.url)
        redirect_uri = f"{web.url}{LWA_REDIRECT_PATH}"
        late_environment = {
            "AMC_COGNITO_CLIENT_ID": client.user_pool_client_id,
            "AMC_REDIRECT_URI": redirect_uri,
        }
        for name, value in late_environment.items():
            api.handler.function.add_environment(name, value)
        environment |= late_environment
        upload = Upload(
            self,
            "Upload",
            bundle_dir=paths.lambda_dir,
            key=keys.key,
            artifacts_bucket=storage.artifacts_bucket,
            environment=environment,
        )
        grants = DataUploadGrants(
            self,
            "Grants",
            bundle_dir=paths.lambda_dir,
            key=keys.key,
            bucket=storage.artifacts_bucket,
            environment={
                name: environment[name]
                for name in ("AMC_SETTINGS_TABLE", "AMC_ARTIFACT_BUCKET", "AMC_COGNITO_REGION")
            },
        )
        if config.data_bucket_triggers:
            # Adds to the existing bucket's notification configuration (CDK keeps notifications it did not
            # create); S3 refuses it if another notification already covers all ObjectCreated events.
            storage.data_bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(upload.uploader.function)
            )
        web.deploy(
            {
                # Same origin: CloudFront forwards /api/* to the API stage.
                "apiBaseUrl": web.url,
                "authMode": "cognito",
                "region": self.region,
                "userPoolId": auth.user_pool.user_pool_id,
                "userPoolClientId": client.user_pool_client_id,
                "hostedUiDomain": auth.hosted_ui_url,
                "redirectUri": f"{web.url}/",
                "dataBucket": storage.data_bucket.bucket_name,
            }
        )

        self.units = Units(
            keys=keys,
            storage=storage,
            data=data,
            auth=auth,
            etl=etl,
            api=api,
            web=web,
            upload=upload,
            grants=grants,
        )
        self._grant(keys=keys, storage=storage, data=data, etl=etl, api=api, upload=upload, grants=grants)
        self._outputs(client_id=client.user_pool_client_id, redirect_uri=redirect_uri)
        acknowledge_findings(self)

    def _grant(
        self,
        *,
        keys: Keys,
        storage: Storage,
        data: Data,
        etl: Etl,
        api: Api,
        upload: Upload,
        grants: DataUploadGrants,
    ) -> None:
        data_bucket = storage.data_bucket
        artifacts = storage.artifacts_bucket
        data_keys: list[kms.IKey] = keys.keys_for_data()

        def allow(role: iam.IRole, sid: str, actions: list[str], resources: list[str]) -> None:
            role.add_to_principal_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=resources))

        api_role = api.handler.role
        allow(api_role, "Tables", TABLE_READ_WRITE, [t.table_arn for t in data.tables])
        allow(
            api_role,
            "LwaSecret",
            [
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:DescribeSecret",
            ],
            [data.lwa_secret.secret_arn],
        )
        allow(api_role, "StackKey", KEY_USE, [keys.key.key_arn])
        allow(api_role, "ListDataBucket", ["s3:ListBucket", "s3:GetBucketLocation"], [data_bucket.bucket_arn])
        # Preview reads source files; the small-file upload route writes them.
        allow(api_role, "DataObjects", ["s3:GetObject", "s3:PutObject"], [data_bucket.arn_for_objects("*")])
        allow(api_role, "ListArtifacts", ["s3:ListBucket"], [artifacts.bucket_arn])
        # Saving AMC instances rewrites the AllowDataUploadFromAmc statement of the artifacts bucket policy.
        allow(
            api_role,
            "ArtifactsBucketPolicy",
            ["s3:GetBucketPolicy", "s3:PutBucketPolicy"],
            [artifacts.bucket_arn],
        )
        allow(api_role, "ReadArtifacts", ["s3:GetObject"], [artifacts.arn_for_objects("*")])
        allow(
            api_role,
            "WriteJobConfigs",
            ["s3:PutObject"],
            [
                artifacts.arn_for_objects(f"{JOB_CONFIG_PREFIX}*"),
                artifacts.arn_for_objects(f"{STAGING_PREFIX}*"),
            ],
        )
        allow(
            api_role,
            "GlueRuns",
            ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            [etl.job_arn],
        )
        allow(api_role, "InvokeUploader", ["lambda:InvokeFunction"], [upload.uploader.function.function_arn])

        for fn in (upload.uploader, upload.refresher):
            allow(
                fn.role,
                "Tables",
                TABLE_READ_WRITE,
                [data.settings_table.table_arn, data.jobs_table.table_arn],
            )
            allow(
                fn.role,
                "LwaSecret",
                [
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:DescribeSecret",
                ],
                [data.lwa_secret.secret_arn],
            )
            allow(fn.role, "StackKey", KEY_USE, [keys.key.key_arn])
            allow(
                fn.role, "ReadStagedData", ["s3:GetObject"], [artifacts.arn_for_objects(f"{STAGING_PREFIX}*")]
            )
        allow(
            upload.uploader.role,
            "WriteJobRecords",
            ["s3:PutObject"],
            [artifacts.arn_for_objects(f"{STAGING_PREFIX}*")],
        )
        allow(upload.refresher.role, "GlueRunState", ["glue:GetJobRun"], [etl.job_arn])
        # After a deploy: the stored instances (settings table, stack key) into the artifacts bucket policy.
        allow(grants.handler.role, "ReadInstances", ["dynamodb:Query"], [data.settings_table.table_arn])
        allow(grants.handler.role, "StackKey", ["kms:Decrypt", "kms:DescribeKey"], [keys.key.key_arn])
        allow(grants.handler.role, "ArtifactsBucketPolicy", ["s3:PutBucketPolicy"], [artifacts.bucket_arn])
        if self.config.data_bucket_triggers:
            # Trigger rules: a new source object starts the stored job template (same path as the API).
            uploader = upload.uploader.role
            allow(uploader, "TriggerRules", TABLE_READ, [data.triggers_table.table_arn])
            allow(uploader, "ReadNewObjects", ["s3:GetObject"], [data_bucket.arn_for_objects("*")])
            allow(
                uploader,
                "WriteJobConfigs",
                ["s3:PutObject"],
                [artifacts.arn_for_objects(f"{JOB_CONFIG_PREFIX}*")],
            )
            allow(uploader, "StartGlueRuns", ["glue:StartJobRun", "glue:GetJobRun"], [etl.job_arn])

        glue_role = etl.role
        allow(glue_role, "ListBuckets", ["s3:ListBucket"], [data_bucket.bucket_arn, artifacts.bucket_arn])
        allow(glue_role, "ReadSourceFiles", ["s3:GetObject"], [data_bucket.arn_for_objects("*")])
        allow(
            glue_role,
            "ReadCodeAndConfigs",
            ["s3:GetObject"],
            [artifacts.arn_for_objects("glue/*"), artifacts.arn_for_objects(f"{JOB_CONFIG_PREFIX}*")],
        )
        # Spark's committer deletes its temporary files; tags carry instanceId (staging contract).
        allow(
            glue_role,
            "WriteStagedData",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging", "s3:GetObjectTagging"],
            [artifacts.arn_for_objects(f"{STAGING_PREFIX}*")],
        )
        allow(glue_role, "StackKey", KEY_USE, [keys.key.key_arn])
        allow(
            glue_role,
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
            [
                self.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name="/aws-glue/*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        glue_role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="Metrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": "Glue"}},
            )
        )
        if data_keys:
            arns = [k.key_arn for k in data_keys]
            for role in (api_role, glue_role, upload.uploader.role):
                allow(role, "CustomerKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], arns)

    def _outputs(self, *, client_id: str, redirect_uri: str) -> None:
        u = self.units
        web, api, storage, auth, etl, data = u.web, u.api, u.storage, u.auth, u.etl, u.data
        outputs = {
            "WebUrl": (web.url, "The web app"),
            "ApiUrl": (f"{web.url}/api", "REST API as the web app calls it (through CloudFront)"),
            "ApiGatewayUrl": (api.url, "REST API stage URL (direct; routes under /api)"),
            "DataBucket": (storage.data_bucket.bucket_name, "Source files bucket (existing)"),
            "ArtifactsBucket": (storage.artifacts_bucket.bucket_name, "Glue code, job configs, staged data"),
            "LogsBucket": (storage.logs_bucket.bucket_name, "Access logs"),
            "UserPoolId": (auth.user_pool.user_pool_id, "Cognito user pool (add users in the console)"),
            "UserPoolClientId": (client_id, "Web app client"),
            "HostedUiUrl": (auth.hosted_ui_url, "Cognito hosted UI"),
            "GlueJobName": (etl.job_name, "The ETL job"),
            "LwaSecretArn": (data.lwa_secret.secret_arn, "LWA credentials (set through the web app)"),
            "PostDeployStep": (
                f"Add {redirect_uri} to Allowed Return URLs of your Login with Amazon security profile",
                "Manual step after the first deploy",
            ),
        }
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
