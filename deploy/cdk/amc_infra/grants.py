"""The AMC data-upload grants restored after every deploy that rewrites the artifacts bucket policy."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from amc_infra.functions import PythonFunction

RESOURCE_TYPE = "Custom::AmcDataUploadGrants"


class DataUploadGrants(Construct):
    """`handler` (PythonFunction `grants.handler`) and `resource` (the custom resource it backs).

    CloudFormation owns the artifacts bucket policy and writes exactly the template's statements whenever
    they change, which drops the `AllowDataUploadFromAmc` statement the API merges in when instances are
    saved. The custom resource carries that policy document and depends on it, so CloudFormation updates
    it right after each such write (and creates it on the first deploy of a release that has it): the
    handler writes the template's statements plus the AMC statement of the instances in the settings
    table (`amc_uploader.api.policy.restore_after_deploy`). The grant is gone only for those seconds.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bundle_dir: Path,
        key: kms.IKey,
        bucket: s3.Bucket,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        policy = bucket.policy
        if policy is None:
            raise ValueError("the artifacts bucket needs its stack-owned policy (enforce_ssl)")
        self.handler = PythonFunction(
            self,
            "Handler",
            bundle_dir=bundle_dir,
            handler="grants.handler",
            description="AMC Uploader: restore the AMC data-upload grants after a deploy",
            key=key,
            environment=environment,
            timeout=Duration.minutes(2),
            memory_size=256,
            retry_attempts=0,
        )
        self.resource = CustomResource(
            self,
            "Restore",
            service_token=self.handler.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={
                "BucketName": bucket.bucket_name,
                # The document as the template defines it: any change to it updates this resource.
                "StackPolicy": Stack.of(self).to_json_string(policy.document),
            },
        )
        self.resource.node.add_dependency(policy)
