"""LwA (spec A.1-A.3): consent URL, exchanges, caching, thread safety, stores, no secret in any repr."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from amc_client import (
    AmcAuthError,
    AmcCredentialsError,
    AmcServerError,
    EnvCredentialStore,
    InMemoryCredentialStore,
    LwaCredentials,
    LwaTokenProvider,
    Region,
    RetryPolicy,
    SecretsManagerCredentialStore,
    build_consent_url,
    generate_pkce,
    generate_state,
)
from tests.client.fakes import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, TOKEN_URL, FakeAmc, FakeClock
from tests.fixtures.aws import aws_client


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected API call {request.url}")


def _provider(fake: FakeAmc, clock: FakeClock | None = None, store: Any = None) -> LwaTokenProvider:
    return LwaTokenProvider(
        store or InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
        token_url=TOKEN_URL,
        transport=httpx.MockTransport(fake),
        clock=clock or FakeClock(),
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        (Region.NA, "https://www.amazon.com/ap/oa"),
        (Region.EU, "https://eu.account.amazon.com/ap/oa"),
        (Region.FE, "https://apac.account.amazon.com/ap/oa"),
        ("eu", "https://eu.account.amazon.com/ap/oa"),
    ],
)
def test_consent_url_region_hosts(region: Region | str, host: str) -> None:
    url = build_consent_url(CLIENT_ID, "https://app.example/redirect", region=region)
    assert url.startswith(host + "?")


def test_consent_url_parameters() -> None:
    pkce = generate_pkce()
    state = generate_state()
    url = build_consent_url(
        CLIENT_ID,
        "https://app.example/redirect",
        scope="profile advertising::campaign_management advertising::audiences",
        state=state,
        code_challenge=pkce.challenge,
    )
    # Spaces are %20 (spec A.1), never "+".
    assert "scope=profile%20advertising::campaign_management%20advertising::audiences" in url
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "client_id": [CLIENT_ID],
        "scope": ["profile advertising::campaign_management advertising::audiences"],
        "response_type": ["code"],
        "redirect_uri": ["https://app.example/redirect"],
        "state": [state],
        "code_challenge": [pkce.challenge],
        "code_challenge_method": ["S256"],
    }


def test_consent_url_custom_host_and_no_optional_params() -> None:
    url = build_consent_url(CLIENT_ID, "http://localhost/cb", consent_url="http://127.0.0.1:5/ap/oa")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("http://127.0.0.1:5/ap/oa?")
    assert "state" not in query and "code_challenge" not in query
    assert query["scope"] == ["profile advertising::campaign_management"]


def test_pkce_is_s256_of_verifier_and_hidden() -> None:
    pkce = generate_pkce()
    verifier = pkce.verifier.get_secret_value()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce.challenge == expected
    assert verifier not in repr(pkce)
    assert generate_pkce().challenge != pkce.challenge
    assert generate_state() != generate_state()


def test_refresh_exchange_form_and_caching() -> None:
    fake = FakeAmc(_never)
    clock = FakeClock()
    provider = _provider(fake, clock)
    first = provider.get_access_token()
    assert provider.get_access_token() == first
    assert fake.token_requests == [
        {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    ]
    # 3600 s lifetime, refreshed 300 s early (spec I.1).
    clock.now += 3299
    assert provider.get_access_token() == first
    clock.now += 2
    second = provider.get_access_token()
    assert second != first
    assert len(fake.token_requests) == 2


def test_short_lived_tokens_still_cached() -> None:
    fake = FakeAmc(_never, expires_in=10)
    clock = FakeClock()
    provider = _provider(fake, clock)
    token = provider.get_access_token()
    clock.now += 8.9  # margin is a tenth of the lifetime for short tokens
    assert provider.get_access_token() == token
    clock.now += 0.2
    assert provider.get_access_token() != token


def test_invalidate_only_the_stale_token() -> None:
    fake = FakeAmc(_never)
    provider = _provider(fake)
    old = provider.get_access_token()
    provider.invalidate(old)
    new = provider.get_access_token()
    assert new != old
    provider.invalidate(old)  # a late 401 for the old token must not discard the new one
    assert provider.get_access_token() == new
    assert len(fake.token_requests) == 2


def test_thread_safe_single_refresh() -> None:
    gate = threading.Event()

    def slow_token(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no API calls")

    fake = FakeAmc(slow_token)
    original = fake.__call__

    def delayed(request: httpx.Request) -> httpx.Response:
        gate.wait(1)
        time.sleep(0.05)
        return original(request)

    provider = LwaTokenProvider(
        InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
        token_url=TOKEN_URL,
        transport=httpx.MockTransport(delayed),
    )
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(provider.get_access_token())) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert len(results) == 8 and len(set(results)) == 1
    assert len(fake.token_requests) == 1


def test_new_refresh_token_is_saved() -> None:
    fake = FakeAmc(
        _never, token_body={"access_token": "Atza|a", "expires_in": 3600, "refresh_token": "Atzr|rotated"}
    )
    store = InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    _provider(fake, store=store).get_access_token()
    rt = store.load().refresh_token
    assert rt is not None and rt.get_secret_value() == "Atzr|rotated"


def test_code_exchange_stores_refresh_token() -> None:
    fake = FakeAmc(_never)
    store = InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET)
    provider = _provider(fake, store=store)
    pkce = generate_pkce()
    grant = provider.exchange_code("ANcode123", "https://app.example/redirect", code_verifier=pkce.verifier)
    assert fake.token_requests[0] == {
        "grant_type": "authorization_code",
        "code": "ANcode123",
        "redirect_uri": "https://app.example/redirect",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": pkce.verifier.get_secret_value(),
    }
    rt = store.load().refresh_token
    assert rt is not None and rt.get_secret_value() == "Atzr|from-code-exchange-1"
    assert "Atza|" not in repr(grant) and "Atzr|" not in repr(grant)
    # The access token from the exchange is cached: no refresh call.
    assert provider.get_access_token() == grant.access_token.get_secret_value()
    assert len(fake.token_requests) == 1


def test_lwa_error_is_auth_error_without_secrets() -> None:
    fake = FakeAmc(
        _never,
        token_status=400,
        token_body={
            "error": "invalid_grant",
            "error_description": f"The request has an invalid parameter : refresh_token {REFRESH_TOKEN}",
        },
    )
    with pytest.raises(AmcAuthError) as info:
        _provider(fake).get_access_token()
    assert info.value.status == 400 and info.value.code == "invalid_grant"
    text = str(info.value) + repr(info.value)
    assert REFRESH_TOKEN not in text and CLIENT_SECRET not in text
    assert "invalid parameter" in text


def test_token_endpoint_html_error_retried_then_raised() -> None:
    calls: list[int] = []

    def html(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, text="<html>down</html>", headers={"content-type": "text/html"})

    clock = FakeClock()
    provider = LwaTokenProvider(
        InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
        token_url=TOKEN_URL,
        transport=httpx.MockTransport(html),
        retry=RetryPolicy(max_attempts=3, sleep=clock.sleep, clock=clock),
    )
    with pytest.raises(AmcServerError, match=r"HTTP 503: non-JSON response body \(text/html"):
        provider.get_access_token()
    assert len(calls) == 3 and len(clock.sleeps) == 2


def test_code_exchange_not_repeated_on_5xx() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500, json={"error": "server_error"})

    provider = LwaTokenProvider(
        InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET),
        token_url=TOKEN_URL,
        transport=httpx.MockTransport(flaky),
        retry=RetryPolicy(max_attempts=3, sleep=lambda s: None),
    )
    with pytest.raises(AmcServerError):
        provider.exchange_code("ANcode", "https://app.example/redirect")
    assert len(calls) == 1


@pytest.mark.parametrize("refresh", [None, "", "TOKEN_DELETED"])
def test_missing_refresh_token_needs_consent(refresh: str | None) -> None:
    fake = FakeAmc(_never)
    with pytest.raises(AmcCredentialsError, match="consent"):
        _provider(fake, store=InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, refresh)).get_access_token()
    assert fake.token_requests == []


def test_reprs_hide_secrets() -> None:
    fake = FakeAmc(_never)
    store = InMemoryCredentialStore(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    provider = _provider(fake, store=store)
    token = provider.get_access_token()
    creds = store.load()
    text = " ".join(repr(x) for x in (store, creds, provider, EnvCredentialStore(), creds.client_secret))
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, token):
        assert secret not in text
    assert CLIENT_ID in text


def test_env_store() -> None:
    env = {"AMC_CLIENT_ID": "cid", "AMC_CLIENT_SECRET": "csecret", "AMC_REFRESH_TOKEN": "Atzr|e"}
    store = EnvCredentialStore(environ=env)
    creds = store.load()
    assert creds.client_id == "cid" and creds.refresh_token == SecretStr("Atzr|e")
    store.save_refresh_token("Atzr|new")
    assert store.load().refresh_token == SecretStr("Atzr|new")
    assert env["AMC_REFRESH_TOKEN"] == "Atzr|e"
    with pytest.raises(AmcCredentialsError, match="AMC_CLIENT_ID"):
        EnvCredentialStore(environ={}).load()


def test_credentials_value_equality_is_by_secret() -> None:
    assert LwaCredentials("a", SecretStr("b")).refresh_token is None


def test_secrets_manager_store_on_moto(moto_endpoint: str) -> None:
    sm = aws_client("secretsmanager", moto_endpoint)
    name = f"amc-lwa-{time.time_ns()}"
    sm.create_secret(Name=name, SecretString=json.dumps({"client_id": "cid", "client_secret": "sm-secret"}))
    store = SecretsManagerCredentialStore(name, sm)
    assert store.load().refresh_token is None
    store.save_refresh_token("Atzr|sm-refresh")
    stored = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert stored == {"client_id": "cid", "client_secret": "sm-secret", "refresh_token": "Atzr|sm-refresh"}
    assert store.load().refresh_token == SecretStr("Atzr|sm-refresh")
    # New client credentials invalidate the grant (spec A.3 sentinel).
    store.save_client_credentials("cid2", "sm-secret-2")
    assert store.load().refresh_token is None
    assert json.loads(sm.get_secret_value(SecretId=name)["SecretString"])["refresh_token"] == "TOKEN_DELETED"
    assert "sm-secret" not in repr(store)

    fake = FakeAmc(_never)
    store.save_refresh_token("Atzr|again")
    provider = _provider(fake, store=store)
    assert provider.get_access_token().startswith("Atza|")
    assert fake.token_requests[0]["client_id"] == "cid2"


def test_secrets_manager_missing_secret(moto_endpoint: str) -> None:
    store = SecretsManagerCredentialStore("does-not-exist", aws_client("secretsmanager", moto_endpoint))
    with pytest.raises(AmcCredentialsError, match="ResourceNotFoundException"):
        store.load()
