"""`AmcSettings`: every knob of the client, read from `AMC_*` environment variables (pydantic-settings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Region(StrEnum):
    NA = "NA"
    EU = "EU"
    FE = "FE"


# Spec A.5 (API hosts), A.2 (token endpoints), A.1 (consent pages). Any host works for every region.
API_BASE_URLS: dict[Region, str] = {
    Region.NA: "https://advertising-api.amazon.com",
    Region.EU: "https://advertising-api-eu.amazon.com",
    Region.FE: "https://advertising-api-fe.amazon.com",
}
LWA_TOKEN_URLS: dict[Region, str] = {
    Region.NA: "https://api.amazon.com/auth/o2/token",
    Region.EU: "https://api.amazon.co.uk/auth/o2/token",
    Region.FE: "https://api.amazon.co.jp/auth/o2/token",
}
LWA_CONSENT_URLS: dict[Region, str] = {
    Region.NA: "https://www.amazon.com/ap/oa",
    Region.EU: "https://eu.account.amazon.com/ap/oa",
    Region.FE: "https://apac.account.amazon.com/ap/oa",
}
# Spec A.1: the reference's scope string; ADU may also need `advertising::audiences` [UNCERTAIN], so it
# is a setting (AMC_LWA_SCOPE).
DEFAULT_SCOPE = "profile advertising::campaign_management"


class AmcSettings(BaseSettings):
    """Client configuration. Unset URLs default to the hosts of `region` (NA unless AMC_REGION says so).

    Secrets are `SecretStr`, so the repr shows `**********`.
    """

    model_config = SettingsConfigDict(env_prefix="AMC_", extra="ignore", frozen=True)

    region: Region = Region.NA
    api_base_url: str = ""
    lwa_token_url: str = ""
    lwa_consent_url: str = ""
    lwa_scope: str = DEFAULT_SCOPE
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    # When set (and client_id is not), credentials come from this Secrets Manager secret (spec A.3 shape).
    lwa_secret_id: str | None = None
    redirect_uri: str | None = None
    advertiser_id: str | None = None
    marketplace_id: str | None = None
    ads_account_id: str | None = None
    instance_id: str | None = None
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    max_retry_seconds: float = 120.0
    # Backoff before retry n: up to min(retry_max_delay, retry_base_delay * 2**(n-1)) (RetryPolicy).
    retry_base_delay: float = 0.5
    retry_max_delay: float = 20.0

    @model_validator(mode="before")
    @classmethod
    def _region_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        region = Region(str(data.get("region") or Region.NA).upper())
        data["region"] = region
        for key, table in (
            ("api_base_url", API_BASE_URLS),
            ("lwa_token_url", LWA_TOKEN_URLS),
            ("lwa_consent_url", LWA_CONSENT_URLS),
        ):
            if not data.get(key):
                data[key] = table[region]
        data["api_base_url"] = str(data["api_base_url"]).rstrip("/")
        return data
