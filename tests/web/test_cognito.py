"""The AWS sign-in path in Chromium: runtime config in cognito mode, the hosted UI's authorization code
flow with PKCE, and sign-out through the hosted UI's logout. The hosted UI cannot run locally, so its two
endpoints are played by Playwright routes that check what the app sends (the S256 challenge against the
verifier, client id, redirect URI) and answer with real tokens of the local stack's user pool, which the
real API then verifies."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.web.conftest import LocalServer

pytestmark = [pytest.mark.browser]

HOSTED_UI = "https://example.auth.us-east-1.amazoncognito.com"
CLIENT_ID = "web-client-under-test"


def _redirect(route: Any, target: str) -> None:
    """The simulated hosted UI sends the browser back as a new navigation: Playwright does not route a
    request that follows a 302, so the app's document would miss the production CSP of the `page` fixture."""
    body = f'<!doctype html><meta http-equiv="refresh" content="0;url={html.escape(target, quote=True)}">'
    route.fulfill(status=200, content_type="text/html", body=body)


def test_hosted_ui_sign_in_with_pkce_and_sign_out(page: Any, local_server: LocalServer) -> None:
    from playwright.sync_api import expect

    base = local_server.url
    tokens = httpx.post(
        f"{base}/api/auth/local-login",
        json={"username": local_server.username, "password": local_server.password},
        timeout=10,
    ).json()
    seen: dict[str, Any] = {}

    def runtime_config(route: Any) -> None:
        config = {
            "apiBaseUrl": base,
            "authMode": "cognito",
            "region": "us-east-1",
            "userPoolId": "us-east-1_test",
            "userPoolClientId": CLIENT_ID,
            "hostedUiDomain": HOSTED_UI,
            "redirectUri": f"{base}/",
            "dataBucket": "amc-uploader-data",
        }
        route.fulfill(status=200, content_type="application/json", body=json.dumps(config))

    def authorize(route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen["authorize"] = query
        target = f"{query['redirect_uri']}?{urlencode({'code': 'code-123', 'state': query['state']})}"
        _redirect(route, target)

    def token(route: Any) -> None:
        form = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        if form.get("grant_type") == "refresh_token":
            seen["refresh"] = form
            ok = form.get("refresh_token") == tokens["refreshToken"] and form.get("client_id") == CLIENT_ID
            body = {"id_token": tokens["idToken"], "access_token": tokens["accessToken"], "expires_in": 3600}
            route.fulfill(
                status=200 if ok else 400,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": base},
                body=json.dumps(body if ok else {"error": "invalid_grant"}),
            )
            return
        seen["token"] = form
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest())
        ok = (
            form.get("grant_type") == "authorization_code"
            and form.get("code") == "code-123"
            and form.get("client_id") == CLIENT_ID
            and challenge.rstrip(b"=").decode() == seen["authorize"]["code_challenge"]
        )
        body = {
            "id_token": tokens["idToken"],
            "access_token": tokens["accessToken"],
            "refresh_token": tokens["refreshToken"],
            "expires_in": tokens["expiresIn"],
            "token_type": "Bearer",
        }
        route.fulfill(
            status=200 if ok else 400,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": base},
            body=json.dumps(body if ok else {"error": "invalid_grant"}),
        )

    def logout(route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen["logout"] = query
        _redirect(route, query["logout_uri"])

    page.route(f"{base}/runtime-config.json", runtime_config)
    page.route(f"{HOSTED_UI}/oauth2/authorize?*", authorize)
    page.route(f"{HOSTED_UI}/oauth2/token", token)
    page.route(f"{HOSTED_UI}/logout?*", logout)

    page.goto(f"{base}/datasets")
    page.get_by_role("button", name="Sign in with your organization account").click()
    expect(page).to_have_url(f"{base}/datasets")
    expect(page.get_by_text(f"Signed in as {local_server.username}")).to_be_visible()
    expect(page.get_by_role("heading", name="Datasets", exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^amcsandbox01"))).to_be_visible()
    assert "code=" not in page.url

    auth = seen["authorize"]
    assert auth["response_type"] == "code"
    assert auth["client_id"] == CLIENT_ID
    assert auth["redirect_uri"] == f"{base}/"
    assert auth["code_challenge_method"] == "S256"
    assert set(auth["scope"].split()) >= {"openid"}
    assert seen["token"]["redirect_uri"] == f"{base}/"

    # An expired access token is refreshed at the hosted UI's token endpoint, without a sign-in dialog.
    page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem("amc-uploader:session"));
            s.expiresAt = 0;
            sessionStorage.setItem("amc-uploader:session", JSON.stringify(s));
        }"""
    )
    page.reload()
    expect(page.get_by_role("radio", name=re.compile("^amcsandbox01"))).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert seen["refresh"]["grant_type"] == "refresh_token"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with your organization account")).to_be_visible()
    assert seen["logout"] == {"client_id": CLIENT_ID, "logout_uri": f"{base}/"}
