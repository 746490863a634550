"""The uploader Lambda (manifest ObjectCreated -> AMC upload, DLQ) and the scheduled status refresher."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from amc_infra.functions import PythonFunction
from amc_uploader.job.layout import MANIFEST_NAME, STAGING_PREFIX

REFRESH_RATE = Duration.minutes(5)


class Upload(Construct):
    """`uploader` and `refresher` (PythonFunction), `dead_letter_queue` (failed manifest events)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bundle_dir: Path,
        key: kms.IKey,
        artifacts_bucket: s3.Bucket,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            # Holds manifest events whose upload failed: work not done yet, so it outlives the stack.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.uploader = PythonFunction(
            self,
            "Uploader",
            bundle_dir=bundle_dir,
            handler="uploader.handler",
            description="AMC Uploader: create the AMC upload for a staged manifest",
            key=key,
            environment=environment,
            timeout=Duration.minutes(5),
            # S3 invokes asynchronously: two retries, then the event lands in the DLQ.
            retry_attempts=2,
            dead_letter_queue=self.dead_letter_queue,
        )
        self.uploader.function.add_event_source(
            sources.S3EventSource(
                artifacts_bucket,
                events=[s3.EventType.OBJECT_CREATED],
                filters=[s3.NotificationKeyFilter(prefix=STAGING_PREFIX, suffix=MANIFEST_NAME)],
            )
        )
        self.refresher = PythonFunction(
            self,
            "Refresher",
            bundle_dir=bundle_dir,
            handler="refresher.handler",
            description="AMC Uploader: poll AMC for uploads that are not finished yet",
            key=key,
            environment=environment,
            timeout=Duration.minutes(5),
            # No reserved concurrency: new accounts (10 concurrent executions) cannot reserve any. A run
            # takes seconds, the schedule is 5 minutes; the next run retries what failed.
            retry_attempts=0,
        )
        events.Rule(
            self,
            "RefreshSchedule",
            description="Poll AMC upload status",
            schedule=events.Schedule.rate(REFRESH_RATE),
            targets=[targets.LambdaFunction(self.refresher.function, retry_attempts=0)],
        )
