"""Browser-test fixtures: the real local stack (`amc-uploader serve` as a subprocess) and Chromium."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = REPO_ROOT / "web"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LocalServer:
    url: str
    username: str
    password: str
    state_dir: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_web_build() -> None:
    if (WEB_DIR / "dist" / "index.html").is_file():
        return
    assert (WEB_DIR / "node_modules").is_dir(), "web/node_modules missing: run `cd web && npm ci`"
    subprocess.run(["npm", "run", "build"], cwd=WEB_DIR, check=True, timeout=300)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[LocalServer]:
    """`amc-uploader serve` on a free port with a fresh state directory, healthy before yielding."""
    _ensure_web_build()
    state_dir = tmp_path_factory.mktemp("amc-serve-state")
    port = _free_port()
    log = (artifacts / "serve.log").open("wb")
    # stdout carries the one-time admin password: not kept; stderr has the structured logs (no secrets).
    proc = subprocess.Popen(
        [sys.executable, "-m", "amc_uploader", "serve", "--port", str(port), "--state-dir", str(state_dir)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log_path = artifacts / "serve.log"
                raise RuntimeError(f"amc-uploader serve exited with {proc.returncode}; see {log_path}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("amc-uploader serve did not become healthy in 90 s")
            time.sleep(0.25)
        login = json.loads((state_dir / "admin-login.json").read_text(encoding="utf-8"))
        yield LocalServer(url, login["username"], login["password"], state_dir)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium missing: apt-get install -y chromium (./dev test does)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
