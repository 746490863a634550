"""Authentication and authorization over HTTP: 401 without/with bad tokens, 403 for non-admins."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import PASSWORD, ApiEnv

PROTECTED = [
    ("GET", "/api/version"),
    ("GET", "/api/me"),
    ("GET", "/api/settings"),
    ("GET", "/api/instances"),
    ("GET", "/api/instances/amcsandbox01/datasets"),
    ("GET", "/api/files"),
    ("POST", "/api/files/preview"),
    ("GET", "/api/jobs"),
    ("POST", "/api/jobs"),
    ("GET", "/api/triggers"),
    ("PUT", "/api/settings/credentials"),
]

ADMIN_ONLY = [
    ("GET", "/api/settings", None),
    ("PATCH", "/api/settings", {"allowSampleValues": True}),
    ("GET", "/api/settings/credentials", None),
    ("PUT", "/api/settings/credentials", {"clientId": "a", "clientSecret": "b"}),
    ("DELETE", "/api/settings/credentials", None),
    ("POST", "/api/settings/oauth/consent-url", {}),
    ("POST", "/api/settings/oauth/callback", {"code": "c", "state": "s"}),
    ("POST", "/api/instances", None),
    ("PUT", "/api/instances", {"items": []}),
    ("GET", "/api/instances/discover", None),
    ("PUT", "/api/instances/amcsandbox01", None),
    ("DELETE", "/api/instances/amcsandbox01", None),
]


def test_health_needs_no_token(api_env: ApiEnv) -> None:
    r = httpx.get(f"{api_env.url}/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": api_env.settings.version, "localMode": True}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401(api_env: ApiEnv, method: str, path: str) -> None:
    r = httpx.request(method, f"{api_env.url}{path}", json={})
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("expired", "token_expired"),
        ("other_pool", "unauthorized"),
        ("forged", "unauthorized"),
        ("garbage", "unauthorized"),
    ],
)
def test_bad_tokens_are_401(api_env: ApiEnv, token: str, code: str) -> None:
    value = {
        "expired": api_env.expired_token,
        "other_pool": api_env.other_pool_token,
        "forged": api_env.forged_token,
        "garbage": "not.a.jwt",
    }[token]
    with api_env.client(value) as c:
        r = c.get("/api/instances")
    assert r.status_code == 401, r.text
    assert r.json()["error"] == code


def test_wrong_pool_message_names_the_cause(api_env: ApiEnv) -> None:
    with api_env.client(api_env.other_pool_token) as c:
        r = c.get("/api/me")
    assert r.status_code == 401
    assert "another user pool" in r.json()["message"]


def test_id_and_access_tokens_are_accepted(api_env: ApiEnv) -> None:
    for token in (api_env.admin_token, api_env.admin_access_token):
        with api_env.client(token) as c:
            me = c.get("/api/me")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "admin"
        assert me.json()["isAdmin"] is True


def test_plain_user_is_not_admin(api_env: ApiEnv) -> None:
    with api_env.client("user") as c:
        me = c.get("/api/me").json()
        assert me["isAdmin"] is False
        assert c.get("/api/instances").status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_settings_need_admin_group(api_env: ApiEnv, method: str, path: str, body: object) -> None:
    instance = {
        "instanceId": "amcsandbox01",
        "advertiserId": "A",
        "marketplaceId": "M",
        "dataUploadAwsAccountId": "123456789012",
    }
    with api_env.client("user") as c:
        r = c.request(method, path, json=body if body is not None else instance)
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "forbidden"


def test_local_login_and_refresh(api_env: ApiEnv) -> None:
    with httpx.Client(base_url=api_env.url) as c:
        bad = c.post("/api/auth/local-login", json={"username": "admin", "password": "wrong-Password1!"})
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_credentials"
        ok = c.post("/api/auth/local-login", json={"username": "admin", "password": PASSWORD})
        assert ok.status_code == 200
        tokens = ok.json()
        assert set(tokens) == {"idToken", "accessToken", "refreshToken", "expiresIn"}
        refreshed = c.post("/api/auth/local-refresh", json={"refreshToken": tokens["refreshToken"]})
        assert refreshed.status_code == 200
        new_id = refreshed.json()["idToken"]
        assert c.get("/api/me", headers={"Authorization": f"Bearer {new_id}"}).status_code == 200
        assert c.post("/api/auth/local-refresh", json={"refreshToken": "nope"}).status_code == 401
        assert c.post("/api/auth/local-login", json={"username": ""}).status_code == 422


def test_unknown_route_is_json_404(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        r = c.get("/api/nope")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_reasons_are_served_to_signed_in_users(api_env: ApiEnv) -> None:
    from amc_normalize.reasons import REASONS

    with api_env.client(None) as c:
        assert c.get("/api/reasons").status_code == 401
    with api_env.client("user") as c:
        r = c.get("/api/reasons")
    assert r.status_code == 200
    assert {item["code"]: item["text"] for item in r.json()["reasons"]} == dict(REASONS)
