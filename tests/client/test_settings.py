"""`AmcSettings` reads exactly the AMC_* names of issue 3; region defaults; secrets hidden."""

from __future__ import annotations

import pytest

from amc_client import API_BASE_URLS, LWA_CONSENT_URLS, LWA_TOKEN_URLS, AmcSettings, Region

ENV = {
    "AMC_API_BASE_URL": "http://127.0.0.1:9999/",
    "AMC_LWA_TOKEN_URL": "http://127.0.0.1:9999/auth/o2/token",
    "AMC_CLIENT_ID": "amzn1.application-oa2-client.env",
    "AMC_CLIENT_SECRET": "env-secret-value",
    "AMC_REFRESH_TOKEN": "Atzr|env-refresh",
    "AMC_ADVERTISER_ID": "ENTITYENV",
    "AMC_MARKETPLACE_ID": "A1F83G8C2ARO7P",
    "AMC_ADS_ACCOUNT_ID": "amzn1.ads-account.g.env",
    "AMC_INSTANCE_ID": "amcenv01",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("AMC_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_reads_documented_env_names(clean_env: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        clean_env.setenv(key, value)
    s = AmcSettings()
    assert s.api_base_url == "http://127.0.0.1:9999"  # trailing slash dropped
    assert s.lwa_token_url == ENV["AMC_LWA_TOKEN_URL"]
    assert s.client_id == ENV["AMC_CLIENT_ID"]
    assert s.client_secret is not None and s.client_secret.get_secret_value() == "env-secret-value"
    assert s.refresh_token is not None and s.refresh_token.get_secret_value() == "Atzr|env-refresh"
    assert (s.advertiser_id, s.marketplace_id, s.ads_account_id, s.instance_id) == (
        "ENTITYENV",
        "A1F83G8C2ARO7P",
        "amzn1.ads-account.g.env",
        "amcenv01",
    )
    text = repr(s) + str(s)
    assert "env-secret-value" not in text and "env-refresh" not in text


def test_defaults_are_na_hosts(clean_env: pytest.MonkeyPatch) -> None:
    s = AmcSettings()
    assert s.api_base_url == "https://advertising-api.amazon.com"
    assert s.lwa_token_url == "https://api.amazon.com/auth/o2/token"
    assert s.lwa_consent_url == "https://www.amazon.com/ap/oa"
    assert s.ads_account_id is None and s.client_id is None


@pytest.mark.parametrize("region", list(Region))
def test_region_hosts(clean_env: pytest.MonkeyPatch, region: Region) -> None:
    clean_env.setenv("AMC_REGION", region.value.lower())
    s = AmcSettings()
    assert s.api_base_url == API_BASE_URLS[region]
    assert s.lwa_token_url == LWA_TOKEN_URLS[region]
    assert s.lwa_consent_url == LWA_CONSENT_URLS[region]


def test_explicit_url_beats_region(clean_env: pytest.MonkeyPatch) -> None:
    s = AmcSettings(region=Region.EU, api_base_url="http://sandbox:1")
    assert s.api_base_url == "http://sandbox:1"
    assert s.lwa_token_url == "https://api.amazon.co.uk/auth/o2/token"
