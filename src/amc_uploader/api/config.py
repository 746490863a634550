"""Backend settings, read from the environment variables the CDK stack and the local stack set."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from amc_client.settings import API_BASE_URLS, DEFAULT_SCOPE, LWA_CONSENT_URLS, LWA_TOKEN_URLS, Region
from amc_uploader import __version__


class ApiSettings(BaseSettings):
    """Everything the API, the uploader and the refresher need; built once in the entry point."""

    model_config = SettingsConfigDict(env_prefix="AMC_", extra="ignore", populate_by_name=True)

    settings_table: str = "amc-settings"
    jobs_table: str = "amc-jobs"
    triggers_table: str = "amc-triggers"
    lwa_secret_id: str = "amc-uploader/lwa"  # noqa: S105 (the secret's name)
    data_bucket: str = "amc-data"
    artifact_bucket: str = "amc-artifacts"
    glue_job_name: str | None = None
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    cognito_region: str = "us-east-1"
    admin_group: str = "admins"
    kms_key_arn: str | None = None
    api_base_url: str = API_BASE_URLS[Region.NA]
    lwa_token_url: str = LWA_TOKEN_URLS[Region.NA]
    lwa_consent_url: str = LWA_CONSENT_URLS[Region.NA]
    lwa_scope: str = DEFAULT_SCOPE
    redirect_uri: str | None = None
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL", "aws_endpoint_url")
    )
    # Local mode enables /api/auth/local-login and /api/auth/local-refresh (never set in AWS).
    local_mode: bool = False
    # Optional override of the JWKS location (the local stack's moto server serves it elsewhere).
    cognito_jwks_url: str | None = None
    # Files larger than this are refused by the small-file upload route.
    max_upload_bytes: int = 10 * 1024 * 1024
    # AMC client retry budget (429/5xx); Lambda and the browser wait for it.
    amc_max_attempts: int = 4
    amc_max_retry_seconds: float = 30.0
    # GET /api/jobs/{id} polls AMC itself when the stored upload state is older than this (seconds).
    status_refresh_seconds: float = 10.0
    # Rows read to preview a file.
    preview_rows: int = 1000
    version: str = __version__

    @property
    def cognito_issuer(self) -> str:
        return f"https://cognito-idp.{self.cognito_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        if self.cognito_jwks_url:
            return self.cognito_jwks_url
        if self.aws_endpoint_url:
            # moto serves the pool's JWKS at {endpoint}/{pool_id}/.well-known/jwks.json
            return f"{self.aws_endpoint_url.rstrip('/')}/{self.cognito_user_pool_id}/.well-known/jwks.json"
        return f"{self.cognito_issuer}/.well-known/jwks.json"
