"""Seeded sandbox identities: public dummy values, safe to print (no real account behind them)."""

from __future__ import annotations

from typing import Any, Final

from amc_client.settings import DEFAULT_SCOPE

SANDBOX_CLIENT_ID: Final = "amzn1.application-oa2-client.sandbox"
SANDBOX_CLIENT_SECRET: Final = "sandbox-secret"  # noqa: S105 - public dummy credential of the sandbox
SANDBOX_REFRESH_TOKEN: Final = "Atzr|sandbox-refresh-token"  # noqa: S105 - public dummy credential

SANDBOX_ADVERTISER_ID: Final = "ENTITYSANDBOX01"
SANDBOX_MARKETPLACE_ID: Final = "ATVPDKIKX0DER"
SANDBOX_INSTANCE_ID: Final = "amcsandbox01"
SANDBOX_DATA_UPLOAD_ACCOUNT_ID: Final = "123456789012"
SANDBOX_SECOND_INSTANCE_ID: Final = "amcsandbox02"
SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID: Final = "210987654321"

# A second AMC account (UK marketplace) so header/account mismatches can be exercised.
SANDBOX_EU_ADVERTISER_ID: Final = "ENTITYSANDBOXEU"
SANDBOX_EU_MARKETPLACE_ID: Final = "A1F83G8C2ARO7P"
SANDBOX_EU_INSTANCE_ID: Final = "amcsandboxeu1"
SANDBOX_EU_DATA_UPLOAD_ACCOUNT_ID: Final = "345678901234"

SANDBOX_SCOPE: Final = DEFAULT_SCOPE  # the scope the client asks for by default

DEFAULT_TOKEN_LIFETIME: Final = 3600
AUTH_CODE_LIFETIME: Final = 300  # LWA codes expire after 5 minutes (spec A.1)


def seed_accounts() -> list[dict[str, Any]]:
    return [
        {
            "accountId": SANDBOX_ADVERTISER_ID,
            "accountName": "Sandbox Advertiser",
            "marketplaceId": SANDBOX_MARKETPLACE_ID,
        },
        {
            "accountId": SANDBOX_EU_ADVERTISER_ID,
            "accountName": "Sandbox Advertiser EU",
            "marketplaceId": SANDBOX_EU_MARKETPLACE_ID,
        },
    ]


def instance_record(
    instance_id: str, name: str, account_id: str, marketplace_id: str, upload_account: str
) -> dict[str, Any]:
    return {
        "instanceId": instance_id,
        "instanceName": name,
        "instanceType": "STANDARD",
        "customerCanonicalName": name,
        "creationStatus": "COMPLETED",
        "creationDatetime": "2026-01-01T00:00:00Z",
        "s3BucketName": f"amc-{instance_id}-results",
        "s3BucketRegion": "us-east-1",
        "awsAccountId": "000000000000",
        "entities": [account_id],
        "dataUploadAwsAccountId": upload_account,
        "apiEndpoint": "",  # filled with the server's base URL when served
        "acrCollaboration": None,
        "optionalDatasets": [],
        "advertiserTypes": ["SPONSORED_ADS", "DISPLAY"],
        "_accountId": account_id,
        "_marketplaceId": marketplace_id,
    }


def seed_instances() -> list[dict[str, Any]]:
    return [
        instance_record(
            SANDBOX_INSTANCE_ID,
            "Sandbox instance 1",
            SANDBOX_ADVERTISER_ID,
            SANDBOX_MARKETPLACE_ID,
            SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
        ),
        instance_record(
            SANDBOX_SECOND_INSTANCE_ID,
            "Sandbox instance 2",
            SANDBOX_ADVERTISER_ID,
            SANDBOX_MARKETPLACE_ID,
            SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID,
        ),
        instance_record(
            SANDBOX_EU_INSTANCE_ID,
            "Sandbox instance EU",
            SANDBOX_EU_ADVERTISER_ID,
            SANDBOX_EU_MARKETPLACE_ID,
            SANDBOX_EU_DATA_UPLOAD_ACCOUNT_ID,
        ),
    ]
