"""Fault injection (Python API and /sandbox/faults) and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from amc_sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_REFRESH_TOKEN, SandboxServer
from tests.sandbox.helpers import DATA, client, dimension_dataset, unique


def test_429_with_retry_after_fires_count_times(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    server.inject(status=429, retry_after=3, count=2, path_regex=r"/dataSets/list$")
    headers = server.headers()
    with client(server) as http:
        statuses = [http.post(f"{DATA}/dataSets/list", headers=headers) for _ in range(3)]
        other = http.get("/amc/accounts", headers=headers)
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] == "3"
    body = statuses[0].json()
    assert (
        body["code"] == "TOO_MANY_REQUESTS" and body["requestId"] == statuses[0].headers["x-amzn-requestid"]
    )
    assert other.status_code == 200
    assert server.faults()[0]["remaining"] == 0
    logged = server.requests(path_contains="/dataSets/list")
    assert [(e["status"], e["fault"]) for e in logged] == [(429, True), (429, True), (200, False)]


@pytest.mark.parametrize(
    ("status", "code"), [(500, "INTERNAL_ERROR"), (502, "BAD_GATEWAY"), (504, "GATEWAY_TIMEOUT")]
)
def test_server_errors_are_amc_shaped(amc_sandbox_clean: SandboxServer, status: int, code: str) -> None:
    amc_sandbox_clean.inject(status=status, count=1, method="POST", path_regex="/uploads/")
    with client(amc_sandbox_clean) as http:
        response = http.post(f"{DATA}/uploads/list", headers=amc_sandbox_clean.headers())
    assert response.status_code == status
    assert response.json()["code"] == code


def test_504_carries_the_api_gateway_message(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.inject(status=504, count=1)
    with client(amc_sandbox_clean) as http:
        response = http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False))
    assert response.json()["details"] == "Endpoint request timed out"  # issue #117


def test_empty_and_html_bodies(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    server.inject(status=500, count=1, empty_body=True)
    server.inject(status=502, count=1, body_text="<html><body>Bad Gateway</body></html>")
    server.inject(status=200, count=1, body_text="not json at all", content_type="application/json")
    with client(server) as http:
        empty = http.get("/amc/accounts", headers=server.headers(advertiser=False))
        html = http.get("/amc/accounts", headers=server.headers(advertiser=False))
        garbage = http.get("/amc/accounts", headers=server.headers(advertiser=False))
    assert empty.status_code == 500 and empty.content == b""
    assert html.status_code == 502 and html.headers["content-type"].startswith("text/html")
    assert html.text.startswith("<html>")
    assert garbage.status_code == 200 and garbage.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        garbage.json()


def test_delay_only_rule_slows_but_passes_through(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.inject(status=None, delay_seconds=0.3, count=1, path_regex="/amc/accounts")
    with client(amc_sandbox_clean) as http:
        started = time.monotonic()
        response = http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.3


def test_delay_beyond_client_timeout(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.inject(status=504, delay_seconds=0.5, count=1)
    with (
        httpx.Client(base_url=amc_sandbox_clean.base_url, timeout=0.2) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False))
    # let the server finish the delayed answer so it is logged within this test
    deadline = time.monotonic() + 5
    while not amc_sandbox_clean.requests(path_contains="/amc/accounts") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert amc_sandbox_clean.requests(path_contains="/amc/accounts")[0]["status"] == 504


def test_method_filter(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.inject(status=500, method="DELETE")
    with client(amc_sandbox_clean) as http:
        assert (
            http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False)).status_code == 200
        )
        assert (
            http.delete(f"{DATA}/dataSets/whatever", headers=amc_sandbox_clean.headers()).status_code == 500
        )


def test_token_endpoint_fault_is_lwa_shaped(amc_sandbox_clean: SandboxServer) -> None:
    amc_sandbox_clean.inject(status=503, count=1, path_regex="^/auth/o2/token$")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": SANDBOX_REFRESH_TOKEN,
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
    }
    with client(amc_sandbox_clean) as http:
        failed = http.post("/auth/o2/token", data=form)
        ok = http.post("/auth/o2/token", data=form)
    assert failed.status_code == 503 and failed.json()["error"] == "server_error"
    assert ok.status_code == 200


def test_admin_http_endpoints(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    with client(server) as http:
        added = http.post(
            "/sandbox/faults", json=[{"status": 429, "retry_after": 1, "count": 1, "path_regex": "accounts"}]
        )
        assert added.status_code == 200
        assert added.json()["faults"][0]["status"] == 429
        first = http.get("/amc/accounts", headers=server.headers(advertiser=False))
        second = http.get("/amc/accounts", headers=server.headers(advertiser=False))
        assert (first.status_code, second.status_code) == (429, 200)
        assert http.post("/sandbox/faults", json={"status": 500, "bogus": 1}).status_code == 400
        assert http.post("/sandbox/faults", json={"status": 500, "path_regex": "("}).status_code == 400
        assert http.post("/sandbox/faults", json={"status": 500, "count": 0}).status_code == 400
        http.post("/sandbox/faults", json={"faults": [{"status": 500}]})
        assert http.get("/amc/accounts", headers=server.headers(advertiser=False)).status_code == 500
        assert http.delete("/sandbox/faults").json() == {"faults": []}
        assert http.get("/amc/accounts", headers=server.headers(advertiser=False)).status_code == 200
        # admin paths are never faulted and never logged
        http.post("/sandbox/faults", json={"status": 500})
        assert http.get("/sandbox/faults").status_code == 200
        http.delete("/sandbox/faults")
        requests = http.get("/sandbox/requests").json()["requests"]
    assert requests, "the request log is empty"
    assert all(set(r) == {"method", "path", "status", "fault", "at", "duration_ms"} for r in requests)
    assert not any(r["path"].startswith("/sandbox/") for r in requests)
    assert [r["status"] for r in requests if r["path"] == "/amc/accounts"] == [429, 200, 500, 200]


def test_request_log_has_no_header_values(amc_sandbox_clean: SandboxServer) -> None:
    headers = amc_sandbox_clean.headers()
    with client(amc_sandbox_clean) as http:
        http.post(f"{DATA}/dataSets/list", headers=headers)
        text = http.get("/sandbox/requests").text
    token = headers["Authorization"].split()[1]
    assert token not in text
    assert "Authorization" not in text


def test_config_endpoint(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        changed = http.post(
            "/sandbox/config", json={"token_lifetime": 5, "consent": "deny", "processing_delay": 0.01}
        )
        bad = http.post("/sandbox/config", json={"consent": "maybe"})
    assert changed.json() == {"token_lifetime": 5, "consent": "deny", "processing_delay": 0.01}
    assert bad.status_code == 400


def test_disconnect_before_handling(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    dataset_id = unique("drop")
    server.inject(disconnect="before", count=1, method="POST", path_regex=r"/dataSets$")
    with client(server) as http:
        with pytest.raises(httpx.TransportError):
            http.post(f"{DATA}/dataSets", json=dimension_dataset(dataset_id), headers=server.headers())
        missing = http.get(f"{DATA}/dataSets/{dataset_id}", headers=server.headers())
    assert missing.status_code == 404  # never reached the handler
    assert server.requests(path_contains="/dataSets")[0]["status"] == 0


def test_disconnect_after_handling_keeps_the_effect(amc_sandbox_clean: SandboxServer) -> None:
    """The answer is lost but the data set exists: a blind retry would get 409."""
    server = amc_sandbox_clean
    dataset_id = unique("lost")
    server.inject(disconnect="after", count=1, method="POST", path_regex=r"/dataSets$")
    with client(server) as http:
        with pytest.raises(httpx.TransportError):
            http.post(f"{DATA}/dataSets", json=dimension_dataset(dataset_id), headers=server.headers())
        retry = http.post(f"{DATA}/dataSets", json=dimension_dataset(dataset_id), headers=server.headers())
        assert http.get("/amc/accounts", headers=server.headers(advertiser=False)).status_code == 200
    assert retry.status_code == 409


def test_request_log_filters_over_http(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        http.get("/amc/accounts", headers=amc_sandbox_clean.headers(advertiser=False))
        http.post(f"{DATA}/dataSets/list", headers=amc_sandbox_clean.headers())
        posts = http.get("/sandbox/requests", params={"method": "post"}).json()["requests"]
        accounts = http.get("/sandbox/requests", params={"path_contains": "/accounts"}).json()["requests"]
    assert [r["path"] for r in posts] == [f"{DATA}/dataSets/list"]
    assert [r["path"] for r in accounts] == ["/amc/accounts"]
