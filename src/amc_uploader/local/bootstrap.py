"""Create the AWS resources of the stack on an endpoint (moto server locally), like the CDK stack does."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from typing import Any

from amc_uploader.api.aws import TABLE_KEY_SCHEMA, TTL_ATTRIBUTE, AwsClients


@dataclass(frozen=True)
class StackNames:
    data_bucket: str = "amc-uploader-data"
    artifact_bucket: str = "amc-uploader-artifacts"
    settings_table: str = "amc-uploader-settings"
    jobs_table: str = "amc-uploader-jobs"
    triggers_table: str = "amc-uploader-triggers"
    lwa_secret_id: str = "amc-uploader/lwa-credentials"  # noqa: S105 (a name)
    user_pool_name: str = "amc-uploader-users"
    app_client_name: str = "amc-uploader-web"
    admin_group: str = "admins"


@dataclass(frozen=True)
class CognitoIds:
    user_pool_id: str
    client_id: str


def generate_password(length: int = 20) -> str:
    """Meets Cognito's default policy: upper, lower, digit and symbol."""
    alphabet = string.ascii_letters + string.digits
    core = [secrets.choice(alphabet) for _ in range(length - 4)]
    core += [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("!#%+-=_"),
    ]
    secrets.SystemRandom().shuffle(core)
    return "".join(core)


def ensure_buckets(aws: AwsClients, names: StackNames) -> None:
    existing = {b["Name"] for b in aws.s3.list_buckets().get("Buckets", [])}
    for bucket in (names.data_bucket, names.artifact_bucket):
        if bucket not in existing:
            aws.s3.create_bucket(Bucket=bucket)
    aws.s3.put_bucket_encryption(
        Bucket=names.artifact_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def ensure_tables(aws: AwsClients, names: StackNames) -> None:
    existing = set(aws.dynamodb.list_tables().get("TableNames", []))
    for table in (names.settings_table, names.jobs_table, names.triggers_table):
        if table in existing:
            continue
        aws.dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **TABLE_KEY_SCHEMA)
        aws.dynamodb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )


def ensure_secret(aws: AwsClients, names: StackNames, initial: dict[str, str]) -> None:
    """Create the LWA secret with `initial` values when it does not exist (an existing one is kept)."""
    try:
        aws.secrets.describe_secret(SecretId=names.lwa_secret_id)
    except aws.secrets.exceptions.ResourceNotFoundException:
        aws.secrets.create_secret(Name=names.lwa_secret_id, SecretString=json.dumps(initial))


def ensure_cognito(aws: AwsClients, names: StackNames) -> CognitoIds:
    pools = aws.cognito.list_user_pools(MaxResults=60).get("UserPools", [])
    pool_id = next((p["Id"] for p in pools if p.get("Name") == names.user_pool_name), None)
    if pool_id is None:
        pool = aws.cognito.create_user_pool(
            PoolName=names.user_pool_name,
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            AutoVerifiedAttributes=["email"],
            UsernameAttributes=[],
        )
        pool_id = pool["UserPool"]["Id"]
    clients = aws.cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60).get("UserPoolClients", [])
    client_id = next((c["ClientId"] for c in clients if c.get("ClientName") == names.app_client_name), None)
    if client_id is None:
        client = aws.cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=names.app_client_name,
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        client_id = client["UserPoolClient"]["ClientId"]
    groups = aws.cognito.list_groups(UserPoolId=pool_id).get("Groups", [])
    if not any(g.get("GroupName") == names.admin_group for g in groups):
        aws.cognito.create_group(
            UserPoolId=pool_id, GroupName=names.admin_group, Description="Administrators"
        )
    return CognitoIds(pool_id, client_id)


def ensure_user(
    aws: AwsClients, pool_id: str, username: str, password: str, *, groups: tuple[str, ...] = ()
) -> bool:
    """Create a confirmed user with a permanent password; False when it existed already."""
    try:
        aws.cognito.admin_get_user(UserPoolId=pool_id, Username=username)
        created = False
    except aws.cognito.exceptions.UserNotFoundException:
        aws.cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )
        created = True
    aws.cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    for group in groups:
        aws.cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return created


def bootstrap(aws: AwsClients, names: StackNames, *, lwa_secret: dict[str, str]) -> CognitoIds:
    ensure_buckets(aws, names)
    ensure_tables(aws, names)
    ensure_secret(aws, names, lwa_secret)
    return ensure_cognito(aws, names)


def describe(names: StackNames) -> dict[str, Any]:
    return {k: getattr(names, k) for k in names.__dataclass_fields__}
