"""The local server's security headers are the CloudFront policy's (one definition), and the local
stack binds to loopback only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from amc_uploader.api import create_app
from amc_uploader.api.security_headers import content_security_policy, security_headers
from amc_uploader.local import LocalStack, LocalStackError
from amc_uploader.local.web import add_security_headers, mount_web
from tests.api.conftest import ApiEnv

REPO = Path(__file__).resolve().parents[2]


def _client(env: ApiEnv, base_url: str = "http://testserver") -> TestClient:
    app = create_app(env.settings, backend=env.backend)
    add_security_headers(app)
    mount_web(app, None, {"authMode": "local"})
    return TestClient(app, base_url=base_url)


@pytest.mark.parametrize(
    "path", ["/", "/wizard/files", "/runtime-config.json", "/api/health", "/api/instances"]
)
def test_every_response_carries_the_headers(api_env: ApiEnv, path: str) -> None:
    with _client(api_env) as c:
        r = c.get(path)
    for name, value in security_headers(https=False).items():
        assert r.headers[name] == value
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    # Plain HTTP: no HSTS (browsers ignore it there).
    assert "strict-transport-security" not in r.headers


def test_hsts_over_https(api_env: ApiEnv) -> None:
    with _client(api_env, "https://testserver") as c:
        r = c.get("/api/health")
    assert r.headers["strict-transport-security"].startswith("max-age=63072000")


def test_the_cdk_policy_uses_the_same_definition() -> None:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, str(REPO / "deploy" / "cdk"))
    try:
        from amc_infra import web
    finally:
        sys.path.pop(0)
    assert web.content_security_policy is content_security_policy
    assert web.HSTS_MAX_AGE.to_seconds() == 730 * 24 * 3600


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_the_local_stack_refuses_a_non_loopback_address(tmp_path: Path, host: str) -> None:
    with pytest.raises(LocalStackError, match="loopback"):
        LocalStack(tmp_path, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_accepted(tmp_path: Path, host: str) -> None:
    assert LocalStack(tmp_path, host=host).host == host


def test_the_api_docs_come_from_the_web_build_under_the_app_policy(api_env: ApiEnv, tmp_path: Path) -> None:
    app = create_app(api_env.settings, backend=api_env.backend)
    add_security_headers(app)
    mount_web(app, None, {"authMode": "local"})
    with TestClient(app) as c:
        missing = c.get("/api/docs")
    assert missing.status_code == 404 and missing.json()["error"] == "web_not_built"

    (tmp_path / "api-docs").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>", encoding="utf-8")
    (tmp_path / "api-docs" / "index.html").write_text("<!doctype html><title>docs</title>", encoding="utf-8")
    app = create_app(api_env.settings, backend=api_env.backend)
    add_security_headers(app)
    mount_web(app, tmp_path, {"authMode": "local"})
    with TestClient(app) as c:
        docs = c.get("/api/docs")
        assert c.get("/docs/oauth2-redirect").text == "<!doctype html><title>app</title>"
    assert docs.status_code == 200 and "<title>docs</title>" in docs.text
    # Served from the site itself, so the page keeps the app's Content-Security-Policy.
    assert docs.headers["content-security-policy"] == security_headers(https=False)["Content-Security-Policy"]


def test_the_committed_docs_page_names_no_other_host() -> None:
    page = (REPO / "web" / "public" / "api-docs" / "index.html").read_text(encoding="utf-8")
    script = (REPO / "web" / "public" / "api-docs" / "init.js").read_text(encoding="utf-8")
    assert "//" not in page.replace("<!--", "") and "http" not in page
    assert "http" not in script.replace("/api/openapi.json", "")
