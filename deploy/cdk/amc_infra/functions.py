"""A Python Lambda function from the prepared bundle, with its own role and an encrypted log group."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

# deploy/build.sh installs the bundle for CPython 3.12 manylinux2014_x86_64: keep these in step.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
LOG_RETENTION = logs.RetentionDays.ONE_YEAR


class PythonFunction(Construct):
    """`function`, `role` (no managed policies: only what the composing stack grants), `log_group`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bundle_dir: Path,
        handler: str,
        description: str,
        key: kms.IKey,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = 512,
        **function_props: object,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description} (Lambda execution role)",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                # The group's Arn attribute ends in ":*", i.e. this group's streams (created at run time).
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(bundle_dir)),
            handler=handler,
            description=description,
            role=self.role,
            environment=environment,
            timeout=timeout,
            memory_size=memory_size,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            **function_props,  # type: ignore[arg-type]
        )
