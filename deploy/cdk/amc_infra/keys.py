"""KMS keys: the stack key (tables, secret, queues, logs) and the optional customer-managed key."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# CloudWatch Logs needs these on a key that encrypts log groups (AWS docs: "Encrypt log data in
# CloudWatch Logs using AWS KMS"); listed exactly instead of the docs' Encrypt*/Decrypt* wildcards.
LOGS_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]


class Keys(Construct):
    """`key`: rotated stack key. `customer_key`: the imported customer key, or None (then SSE-S3 for data).

    `data_key` is the key data at rest in S3 uses: the customer key when given, else None.
    """

    def __init__(self, scope: Construct, id_: str, *, customer_key_arn: str | None = None) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "StackKey",
            description=f"{stack.stack_name}: DynamoDB tables, LWA secret, queues and logs",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.key.add_alias(f"alias/{stack.stack_name}")
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.{stack.url_suffix}")],
                actions=LOGS_KEY_ACTIONS,
                # In a key policy "*" means this key.
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        self.customer_key: kms.IKey | None = (
            kms.Key.from_key_arn(self, "CustomerKey", customer_key_arn) if customer_key_arn else None
        )

    @property
    def data_key(self) -> kms.IKey | None:
        return self.customer_key

    def keys_for_data(self) -> list[kms.IKey]:
        return [self.customer_key] if self.customer_key else []
