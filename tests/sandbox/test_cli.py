"""`amc-uploader sandbox` runs in the foreground, prints the AMC_* variables, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from amc_sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_REFRESH_TOKEN


def test_sandbox_command(tmp_path: Path, moto_endpoint: str) -> None:
    state_dir = tmp_path / "state"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "amc_uploader",
            "sandbox",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            "--s3-endpoint-url",
            moto_endpoint,
            "--processing-delay",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        env: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while "AMC_INSTANCE_ID" not in env and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                env[key] = value.strip("'")
        assert env["AMC_CLIENT_ID"] == SANDBOX_CLIENT_ID
        assert env["AMC_CLIENT_SECRET"] == SANDBOX_CLIENT_SECRET
        assert env["AMC_REFRESH_TOKEN"] == SANDBOX_REFRESH_TOKEN
        assert env["AMC_LWA_TOKEN_URL"] == env["AMC_API_BASE_URL"] + "/auth/o2/token"
        assert env["AMC_INSTANCE_ID"] == "amcsandbox01"
        with httpx.Client(base_url=env["AMC_API_BASE_URL"], timeout=5) as http:
            for _ in range(100):
                try:
                    if http.get("/sandbox/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            token = http.post(
                env["AMC_LWA_TOKEN_URL"],
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": env["AMC_REFRESH_TOKEN"],
                    "client_id": env["AMC_CLIENT_ID"],
                    "client_secret": env["AMC_CLIENT_SECRET"],
                },
            )
        assert token.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (state_dir / "state.json").exists()
