"""Login with Amazon (token + consent) and the AMC header checks, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from amc_sandbox import (
    SANDBOX_ADVERTISER_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_EU_ADVERTISER_ID,
    SANDBOX_EU_INSTANCE_ID,
    SANDBOX_EU_MARKETPLACE_ID,
    SANDBOX_INSTANCE_ID,
    SANDBOX_MARKETPLACE_ID,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_SECOND_INSTANCE_ID,
    SandboxServer,
)
from tests.sandbox.helpers import DATA, client

REDIRECT = "https://app.example.test/redirect"


def refresh_form(**overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": SANDBOX_REFRESH_TOKEN,
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
    }
    form.update(overrides)
    return form


def consent(http: httpx.Client, **params: str) -> dict[str, list[str]]:
    query = {
        "client_id": SANDBOX_CLIENT_ID,
        "scope": "profile advertising::campaign_management",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "xyz-123",
        **params,
    }
    response = http.get("/ap/oa", params=query)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlparse(location).query)


def test_refresh_grant_returns_bearer_token_and_same_refresh_token(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post("/auth/o2/token", data=refresh_form())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == SANDBOX_REFRESH_TOKEN
    assert body["access_token"].startswith("Atza|")
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (refresh_form(client_secret="wrong"), 401, "invalid_client"),
        (refresh_form(client_id="amzn1.application-oa2-client.other"), 401, "invalid_client"),
        (refresh_form(refresh_token="Atzr|not-issued"), 400, "invalid_grant"),
        (refresh_form(refresh_token=""), 400, "invalid_request"),
        (refresh_form(grant_type="client_credentials"), 400, "unsupported_grant_type"),
        (refresh_form(grant_type=""), 400, "invalid_request"),
        (
            refresh_form(grant_type="authorization_code", code="ANnope", redirect_uri=REDIRECT),
            400,
            "invalid_grant",
        ),
    ],
)
def test_token_errors_are_lwa_shaped(
    amc_sandbox_clean: SandboxServer, form: dict[str, str], status: int, error: str
) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post("/auth/o2/token", data=form)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert SANDBOX_CLIENT_SECRET not in response.text


def test_token_endpoint_requires_form_encoding(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post("/auth/o2/token", json=refresh_form())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_client_credentials_accepted_as_http_basic(amc_sandbox_clean: SandboxServer) -> None:
    basic = base64.b64encode(f"{SANDBOX_CLIENT_ID}:{SANDBOX_CLIENT_SECRET}".encode()).decode()
    form = {"grant_type": "refresh_token", "refresh_token": SANDBOX_REFRESH_TOKEN}
    with client(amc_sandbox_clean) as http:
        response = http.post("/auth/o2/token", data=form, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


def test_consent_round_trip_with_pkce_and_single_use_code(amc_sandbox_clean: SandboxServer) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    with client(amc_sandbox_clean) as http:
        query = consent(http, code_challenge=challenge, code_challenge_method="S256")
        assert query["state"] == ["xyz-123"]
        code = query["code"][0]
        exchange = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
        }
        bad_verifier = http.post("/auth/o2/token", data={**exchange, "code_verifier": "w" * 50})
        assert bad_verifier.status_code == 400
        # a failed exchange consumed the code (single use); get a new one
        code = consent(http, code_challenge=challenge, code_challenge_method="S256")["code"][0]
        first = http.post("/auth/o2/token", data={**exchange, "code": code, "code_verifier": verifier})
        assert first.status_code == 200, first.text
        tokens = first.json()
        assert (
            tokens["refresh_token"].startswith("Atzr|") and tokens["refresh_token"] != SANDBOX_REFRESH_TOKEN
        )
        again = http.post("/auth/o2/token", data={**exchange, "code": code, "code_verifier": verifier})
        assert again.status_code == 400
        assert again.json()["error_description"] == "The request has an invalid parameter : code"
        # the new refresh token works for the refresh grant
        refreshed = http.post("/auth/o2/token", data=refresh_form(refresh_token=tokens["refresh_token"]))
        assert refreshed.status_code == 200


def test_code_exchange_rejects_other_redirect_uri(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        code = consent(http)["code"][0]
        response = http.post(
            "/auth/o2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "https://evil.example.test/redirect",
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
            },
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_consent_denied_by_query_flag_and_by_mode(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        denied = consent(http, sandbox_consent="deny")
        assert denied["error"] == ["access_denied"]
        assert denied["state"] == ["xyz-123"]
        assert "code" not in denied
        amc_sandbox_clean.set_consent("deny")
        assert consent(http)["error"] == ["access_denied"]


def test_consent_rejects_unknown_client(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.get(
            "/ap/oa",
            params={
                "client_id": "nobody",
                "scope": "profile",
                "response_type": "code",
                "redirect_uri": REDIRECT,
            },
        )
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]


def test_access_token_expires_after_configured_lifetime(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.set_token_lifetime(1)
    with client(amc_sandbox_clean) as http:
        token = http.post("/auth/o2/token", data=refresh_form()).json()
        assert token["expires_in"] == 1
        headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "Amazon-Advertising-API-ClientId": SANDBOX_CLIENT_ID,
        }
        assert http.get("/amc/accounts", headers=headers).status_code == 200
        time.sleep(1.1)
        expired = http.get("/amc/accounts", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["details"] == "Access token has expired"


def test_expire_access_tokens_admin_endpoint(amc_sandbox_clean: SandboxServer) -> None:
    headers = amc_sandbox_clean.headers(advertiser=False)
    with client(amc_sandbox_clean) as http:
        assert http.get("/amc/accounts", headers=headers).status_code == 200
        assert http.post("/sandbox/tokens/expire").json()["expired"] >= 1
        assert http.get("/amc/accounts", headers=headers).status_code == 401


def test_accounts_need_only_token_and_client_id(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False))
    assert response.status_code == 200
    accounts = {a["accountId"]: a for a in response.json()["amcAccounts"]}
    assert accounts[SANDBOX_ADVERTISER_ID]["marketplaceId"] == SANDBOX_MARKETPLACE_ID
    assert response.headers["x-amzn-requestid"]


def test_instances_list_and_get_with_data_upload_account(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        listed = http.get("/amc/instances", headers=amc_sandbox_clean.headers()).json()["instances"]
        got = http.get(f"/amc/instances/{SANDBOX_INSTANCE_ID}", headers=amc_sandbox_clean.headers()).json()
    accounts = {i["instanceId"]: i["dataUploadAwsAccountId"] for i in listed}
    # The sandbox is shared by the session: other tests may register more instances for this advertiser,
    # but the seeded ones are always listed, and the EU account's instance never is.
    assert {
        SANDBOX_INSTANCE_ID: SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
        SANDBOX_SECOND_INSTANCE_ID: SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID,
    }.items() <= accounts.items()
    assert SANDBOX_EU_INSTANCE_ID not in accounts
    assert got["instance"]["instanceId"] == SANDBOX_INSTANCE_ID
    assert got["instance"]["apiEndpoint"] == amc_sandbox_clean.base_url
    assert not any(k.startswith("_") for k in got["instance"])


def _amc_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "details", "errors", "requestId"}
    assert fragment in body["details"]


@pytest.mark.parametrize(
    ("drop", "override", "status", "fragment"),
    [
        ("Authorization", {}, 401, "Missing Authorization header"),
        (None, {"Authorization": "Bearer Atza|forged"}, 401, "Invalid access token"),
        (None, {"Authorization": "Basic abc"}, 401, "Bearer"),
        ("Amazon-Advertising-API-ClientId", {}, 401, "Missing Amazon-Advertising-API-ClientId"),
        (None, {"Amazon-Advertising-API-ClientId": "amzn1.application-oa2-client.x"}, 401, "does not match"),
        ("Amazon-Advertising-API-AdvertiserId", {}, 401, "Missing Amazon-Advertising-API-AdvertiserId"),
        ("Amazon-Advertising-API-MarketplaceId", {}, 401, "Missing Amazon-Advertising-API-MarketplaceId"),
        (
            None,
            {"Amazon-Advertising-API-AdvertiserId": "ENTITYUNKNOWN"},
            403,
            "Not authorized to access advertiser",
        ),
        (None, {"Amazon-Advertising-API-MarketplaceId": SANDBOX_EU_MARKETPLACE_ID}, 403, "does not belong"),
        (
            None,
            {
                "Amazon-Advertising-API-AdvertiserId": SANDBOX_EU_ADVERTISER_ID,
                "Amazon-Advertising-API-MarketplaceId": SANDBOX_EU_MARKETPLACE_ID,
            },
            403,
            "is not authorized to access instance",
        ),
    ],
)
def test_header_checks_on_data_endpoints(
    amc_sandbox_clean: SandboxServer, drop: str | None, override: dict[str, str], status: int, fragment: str
) -> None:
    headers = amc_sandbox_clean.headers()
    if drop:
        del headers[drop]
    headers.update(override)
    with client(amc_sandbox_clean) as http:
        _amc_error(http.post(f"{DATA}/dataSets/list", headers=headers), status, fragment)


def test_unknown_instance_is_404(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post(
            "/amc/advertiserData/amcnothere/dataSets/list", headers=amc_sandbox_clean.headers()
        )
    _amc_error(response, 404, "Instance amcnothere not found")


def test_instance_requiring_ads_account_header(amc_sandbox_clean: SandboxServer) -> None:
    """Issue #278: some production instances need Amazon-Ads-AccountId."""
    amc_sandbox_clean.add_instance("amcprod278", ads_account_id="amzn1.ads-account.g.278")
    path = "/amc/advertiserData/amcprod278/dataSets/list"
    with client(amc_sandbox_clean) as http:
        _amc_error(http.post(path, headers=amc_sandbox_clean.headers()), 403, "Amazon-Ads-AccountId")
        ok = http.post(
            path, headers={**amc_sandbox_clean.headers(), "Amazon-Ads-AccountId": "amzn1.ads-account.g.278"}
        )
    assert ok.status_code == 200
    assert ok.json() == {"dataSets": []}
