"""Settings: write-only LWA credentials, the OAuth round trip with a server-checked state, preferences."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from amc_sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.api.conftest import ApiEnv, assert_no_secret


def _consent(env: ApiEnv, c: httpx.Client) -> tuple[str, str]:
    r = c.post("/api/settings/oauth/consent-url", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    query = parse_qs(urlparse(body["url"]).query)
    assert query["state"] == [body["state"]]
    assert query["redirect_uri"] == [f"{env.url}/redirect"]
    assert query["code_challenge_method"] == ["S256"]
    # The sandbox's consent page approves and redirects back with code and state.
    back = httpx.get(body["url"], follow_redirects=False)
    assert back.status_code in (302, 303, 307), back.text
    params = parse_qs(urlparse(back.headers["location"]).query)
    return params["code"][0], params["state"][0]


def test_credentials_are_write_only_and_oauth_connects(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        saved = c.put(
            "/api/settings/credentials",
            json={"clientId": SANDBOX_CLIENT_ID, "clientSecret": SANDBOX_CLIENT_SECRET},
        )
        assert saved.status_code == 200
        assert saved.json() == {"clientIdSet": True, "clientSecretSet": True, "connected": False}
        assert_no_secret(saved.text, api_env, [SANDBOX_CLIENT_SECRET])
        # Not connected: AMC routes say so instead of failing obscurely.
        listed = c.get("/api/instances/amcsandbox01/datasets")
        assert listed.status_code == 400
        assert listed.json()["error"] == "not_connected"

        code, state = _consent(api_env, c)
        wrong = c.post("/api/settings/oauth/callback", json={"code": code, "state": "forged-state"})
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_state"
        done = c.post("/api/settings/oauth/callback", json={"code": code, "state": state})
        assert done.status_code == 200, done.text
        assert done.json() == {"clientIdSet": True, "clientSecretSet": True, "connected": True}
        # A state is single-use.
        again = c.post("/api/settings/oauth/callback", json={"code": code, "state": state})
        assert again.status_code == 400

        view = c.get("/api/settings")
        assert view.status_code == 200
        assert view.json()["credentials"]["connected"] is True
        assert_no_secret(view.text, api_env, [SANDBOX_CLIENT_SECRET])
        assert c.get("/api/instances/amcsandbox01/datasets").status_code == 200


def test_state_of_another_user_is_refused(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        state = c.post("/api/settings/oauth/consent-url", json={}).json()["state"]
    # Same pool, same group, different subject: a token minted for another admin.
    import time

    from tests.api.conftest import mint_token

    other = mint_token(
        {
            "sub": "someone-else",
            "iss": api_env.settings.cognito_issuer,
            "aud": api_env.settings.cognito_client_id,
            "token_use": "id",
            "cognito:groups": [api_env.names.admin_group],
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
        }
    )
    with api_env.client(other) as c:
        r = c.post("/api/settings/oauth/callback", json={"code": "x", "state": state})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_state"


def test_credential_validation(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        r = c.put("/api/settings/credentials", json={"clientId": "bad id!", "clientSecret": "s3cr3t value"})
        assert r.status_code == 422
        body = r.json()
        assert body["error"] == "validation_error"
        assert "clientId" in body["message"] or "client_id" in body["message"]
        # The rejected values are not echoed back.
        assert "s3cr3t value" not in r.text and "bad id!" not in r.text
        assert c.put("/api/settings/credentials", json={"clientId": "x"}).status_code == 422


def test_preferences(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        r = c.patch("/api/settings", json={"allowSampleValues": True})
        assert r.status_code == 200
        assert r.json()["allowSampleValues"] is True
        r = c.patch("/api/settings", json={"allowSampleValues": False})
        assert r.json()["allowSampleValues"] is False
        assert c.patch("/api/settings", json={"unknown": 1}).status_code == 422


def test_consent_url_needs_credentials(api_env: ApiEnv) -> None:
    with api_env.client() as c:
        assert c.delete("/api/settings/credentials").json() == {
            "clientIdSet": False,
            "clientSecretSet": False,
            "connected": False,
        }
        r = c.post("/api/settings/oauth/consent-url", json={})
        assert r.status_code == 400
        assert r.json()["error"] == "credentials_missing"
        # Reconnect for the other tests.
        c.put(
            "/api/settings/credentials",
            json={"clientId": SANDBOX_CLIENT_ID, "clientSecret": SANDBOX_CLIENT_SECRET},
        )
        code, state = _consent(api_env, c)
        assert c.post("/api/settings/oauth/callback", json={"code": code, "state": state}).status_code == 200
