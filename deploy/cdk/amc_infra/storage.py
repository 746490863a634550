"""S3: the customer's existing data bucket (by name), the artifacts bucket and the access-logs bucket."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from amc_uploader.job.layout import STAGING_PREFIX

STAGED_DATA_DAYS = 3
LOG_RETENTION_DAYS = 90


class Storage(Construct):
    """`data_bucket` (imported), `artifacts_bucket` (Glue code, job configs, staged data), `logs_bucket`.

    Staged data under `amc/` (the job layout's `STAGING_PREFIX`) expires after 3 days. The bucket
    policy statement `AllowDataUploadFromAmc` (read access for the AMC data-upload accounts) is merged
    in at runtime by the API; a stack update that rewrites this bucket's policy drops it, and
    `DataUploadGrants` (grants.py) writes it back right after.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        data_bucket_name: str,
        data_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.data_bucket = s3.Bucket.from_bucket_name(self, "DataBucket", data_bucket_name)

        # Destination of S3 server access logs and CloudFront standard logs (the latter needs ACLs,
        # hence object-writer ownership); SSE-S3 because log delivery cannot use SSE-KMS.
        self.logs_bucket = s3.Bucket(
            self,
            "LogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireLogs",
                    expiration=Duration.days(LOG_RETENTION_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        self.artifacts_bucket = s3.Bucket(
            self,
            "ArtifactsBucket",
            encryption=s3.BucketEncryption.KMS if data_key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=data_key,
            bucket_key_enabled=bool(data_key),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/artifacts/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireStagedData",
                    prefix=STAGING_PREFIX,
                    expiration=Duration.days(STAGED_DATA_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="AbortIncompleteMultipartUploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(30),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
