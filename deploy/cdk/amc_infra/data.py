"""DynamoDB tables (settings/instances, jobs, trigger rules) and the LWA credentials secret."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

# Every table has a string partition key `pk` and sort key `sk`; the backend's repositories decide
# what goes in them (single-table style per concern).
PARTITION_KEY = "pk"
SORT_KEY = "sk"


class Data(Construct):
    """`settings_table`, `jobs_table`, `triggers_table`, `lwa_secret` (JSON: client_id, client_secret,
    refresh_token; written by the API, never returned by it)."""

    def __init__(self, scope: Construct, id_: str, *, key: kms.IKey) -> None:
        super().__init__(scope, id_)
        self.settings_table = self._table("SettingsTable", key)
        self.jobs_table = self._table("JobsTable", key)
        self.triggers_table = self._table("TriggersTable", key)
        self.tables = [self.settings_table, self.jobs_table, self.triggers_table]
        self.lwa_secret = secretsmanager.Secret(
            self,
            "LwaSecret",
            secret_name=f"{Stack.of(self).stack_name}/lwa-credentials",
            description="Login with Amazon client id/secret and refresh token (set through the web app)",
            encryption_key=key,
            # Not a secret: an empty JSON object the API fills in.
            secret_string_value=SecretValue.unsafe_plain_text("{}"),
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _table(self, id_: str, key: kms.IKey) -> dynamodb.Table:
        # Table (not TableV2): TableV2 with a customer key needs a region-specific stack.
        return dynamodb.Table(
            self,
            id_,
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            # Items carrying a numeric epoch `ttl` attribute expire; others are kept.
            time_to_live_attribute="ttl",
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
