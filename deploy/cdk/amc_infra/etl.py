"""The Glue 5.0 job: entry script + wheels deployed to the artifacts bucket, logs encrypted with KMS."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from amc_infra.paths import additional_python_modules

GLUE_VERSION = "5.0"
CODE_PREFIX = "glue/"
ENTRY_SCRIPT = "amc_transformations.py"
WORKER_TYPE = "G.1X"
NUMBER_OF_WORKERS = 2
# One run per source file: the API starts a run per file, so this caps files in flight.
MAX_CONCURRENT_RUNS = 50
TIMEOUT_MINUTES = 240


class Etl(Construct):
    """`job` (CfnJob), `role`, `security_configuration`, `code_deployment`; `job_name`, `job_arn`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        glue_dir: Path,
        wheels: list[str],
        artifacts_bucket: s3.IBucket,
        key: kms.IKey,
        data_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        # Deployed with their file names (a plain file asset would be renamed to its hash, and pip
        # only installs files named like wheels).
        self.code_deployment = s3deploy.BucketDeployment(
            self,
            "Code",
            sources=[s3deploy.Source.asset(str(glue_dir))],
            destination_bucket=artifacts_bucket,
            destination_key_prefix=CODE_PREFIX,
            prune=True,
            memory_limit=512,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="AMC Uploader Glue job",
        )
        self.security_configuration = glue.CfnSecurityConfiguration(
            self,
            "SecurityConfiguration",
            name=f"{stack.stack_name}-amc-etl",
            encryption_configuration=glue.CfnSecurityConfiguration.EncryptionConfigurationProperty(
                cloud_watch_encryption=glue.CfnSecurityConfiguration.CloudWatchEncryptionProperty(
                    cloud_watch_encryption_mode="SSE-KMS", kms_key_arn=key.key_arn
                ),
                job_bookmarks_encryption=glue.CfnSecurityConfiguration.JobBookmarksEncryptionProperty(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=key.key_arn
                ),
                s3_encryptions=[
                    glue.CfnSecurityConfiguration.S3EncryptionProperty(
                        s3_encryption_mode="SSE-KMS", kms_key_arn=data_key.key_arn
                    )
                    if data_key
                    else glue.CfnSecurityConfiguration.S3EncryptionProperty(s3_encryption_mode="SSE-S3")
                ],
            ),
        )
        code_root = f"s3://{artifacts_bucket.bucket_name}/{CODE_PREFIX}"
        self.default_arguments = {
            "--additional-python-modules": additional_python_modules(f"{code_root}wheels/", wheels),
            "--enable-continuous-cloudwatch-log": "true",
            "--enable-continuous-log-filter": "true",
            "--enable-metrics": "true",
            "--enable-observability-metrics": "true",
            "--job-bookmark-option": "job-bookmark-disable",
            "--job-language": "python",
        }
        self.job = glue.CfnJob(
            self,
            "Job",
            name=f"{stack.stack_name}-amc-transformations",
            description="Normalize, hash and stage a customer file for AMC (one run per file)",
            role=self.role.role_arn,
            glue_version=GLUE_VERSION,
            command=glue.CfnJob.JobCommandProperty(
                name="glueetl", python_version="3", script_location=f"{code_root}{ENTRY_SCRIPT}"
            ),
            worker_type=WORKER_TYPE,
            number_of_workers=NUMBER_OF_WORKERS,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(max_concurrent_runs=MAX_CONCURRENT_RUNS),
            max_retries=0,
            timeout=TIMEOUT_MINUTES,
            security_configuration=self.security_configuration.ref,
            default_arguments=self.default_arguments,
        )
        self.job.node.add_dependency(self.code_deployment)
        self.job_name = self.job.ref
        self.job_arn = stack.format_arn(service="glue", resource="job", resource_name=self.job.ref)
