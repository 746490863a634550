"""`amc-uploader demo` from a clean state, and `amc-uploader serve` (health, web app, runtime config,
Ctrl-C, state kept across a restart) as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.aws import free_port

CLI = str(Path(sys.executable).with_name("amc-uploader"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AMC_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_demo_from_clean_state(tmp_path: Path) -> None:
    out = subprocess.run(
        [CLI, "demo", "--state-dir", str(tmp_path / "state")],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
        check=False,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "reached SUCCESS" in out.stdout
    rows = re.search(r"OutputRowCount\s*│\s*(\d+)", out.stdout)
    assert rows and int(rows.group(1)) == 200
    assert "Normalization report" in out.stdout


def _wait_health(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited early"
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become healthy")


def _serve(state: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-3000:]
    return out


def test_serve_runs_everything_and_keeps_state(tmp_path: Path) -> None:
    state = tmp_path / "state"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(state, port)
    try:
        _wait_health(url, proc)
        config = httpx.get(f"{url}/runtime-config.json").json()
        assert config["authMode"] == "local" and config["apiBaseUrl"] == url
        assert config["userPoolId"] and config["userPoolClientId"] and config["dataBucket"]
        page = httpx.get(f"{url}/wizard/files")
        assert page.status_code in (200, 404)
        if page.status_code == 200:
            assert "<html" in page.text.lower()  # SPA fallback to index.html
        assert httpx.get(f"{url}/api/instances").status_code == 401
        login = json.loads((state / "admin-login.json").read_text())
        tokens = httpx.post(f"{url}/api/auth/local-login", json=login).json()
        headers = {"Authorization": f"Bearer {tokens['idToken']}"}
        client = httpx.Client(base_url=url, headers=headers)
        ids = [i["instanceId"] for i in client.get("/api/instances").json()["items"]]
        assert ids == ["amcsandbox01"]
        assert client.get("/api/settings").json()["credentials"]["connected"] is True
        created = client.post(
            "/api/instances",
            json={
                "instanceId": "amckeep01",
                "advertiserId": "ENTITYSANDBOX01",
                "marketplaceId": "ATVPDKIKX0DER",
                "dataUploadAwsAccountId": "210987654321",
            },
        )
        assert created.status_code == 201
        assert (
            client.put("/api/files/content", params={"key": "kept/a.csv"}, content=b"a\n1\n").status_code
            == 201
        )
    finally:
        first = _stop(proc)
    assert login["password"] in first  # printed once, on the run that created the user

    proc = _serve(state, port)
    try:
        _wait_health(url, proc)
        tokens = httpx.post(f"{url}/api/auth/local-login", json=login).json()
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['idToken']}"})
        ids = {i["instanceId"] for i in client.get("/api/instances").json()["items"]}
        assert ids == {"amcsandbox01", "amckeep01"}
        files = [f["key"] for f in client.get("/api/files", params={"prefix": "kept/"}).json()["items"]]
        assert files == ["kept/a.csv"]
    finally:
        second = _stop(proc)
    assert login["password"] not in second
