"""A local AMC sandbox: Login-with-Amazon token/consent endpoints and the AMC advertiser-data API.

A real HTTP server (FastAPI under uvicorn) for local use of the product and for tests. It checks what AMC
checks (headers, tokens, data set schema rules, upload bodies), processes uploads asynchronously from S3
(or `file://` paths), persists its state as JSON files, and can inject faults. Section numbers (A.4, B.9,
C.1, D.6, ...) throughout the package are those of the spec, `docs/amc-api.md`. Installed with the
`sandbox` extra (FastAPI, uvicorn); nothing in `amc_client` imports it.

    with SandboxServer(tmp_path, s3_endpoint_url=moto_url) as sandbox:
        env = sandbox.env()            # AMC_API_BASE_URL, AMC_LWA_TOKEN_URL, AMC_CLIENT_ID, ...
        sandbox.inject(status=429, retry_after=1, count=2, path_regex="/dataSets/list")
"""

from __future__ import annotations

from amc_sandbox.access import policy_allows
from amc_sandbox.app import create_app
from amc_sandbox.constants import (
    DEFAULT_TOKEN_LIFETIME,
    SANDBOX_ADVERTISER_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_EU_ADVERTISER_ID,
    SANDBOX_EU_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_EU_INSTANCE_ID,
    SANDBOX_EU_MARKETPLACE_ID,
    SANDBOX_INSTANCE_ID,
    SANDBOX_MARKETPLACE_ID,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SCOPE,
    SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_SECOND_INSTANCE_ID,
)
from amc_sandbox.faults import FaultRule
from amc_sandbox.routes.common import SandboxContext
from amc_sandbox.server import SandboxServer
from amc_sandbox.state import SandboxState

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "SANDBOX_ADVERTISER_ID",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_DATA_UPLOAD_ACCOUNT_ID",
    "SANDBOX_EU_ADVERTISER_ID",
    "SANDBOX_EU_DATA_UPLOAD_ACCOUNT_ID",
    "SANDBOX_EU_INSTANCE_ID",
    "SANDBOX_EU_MARKETPLACE_ID",
    "SANDBOX_INSTANCE_ID",
    "SANDBOX_MARKETPLACE_ID",
    "SANDBOX_REFRESH_TOKEN",
    "SANDBOX_SCOPE",
    "SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID",
    "SANDBOX_SECOND_INSTANCE_ID",
    "FaultRule",
    "SandboxContext",
    "SandboxServer",
    "SandboxState",
    "create_app",
    "policy_allows",
]
