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


def production_csp() -> str:
    """The Content-Security-Policy CloudFront sends in AWS (from the CDK web construct)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, str(REPO_ROOT / "deploy" / "cdk"))
    try:
        from amc_infra.web import content_security_policy
    finally:
        sys.path.pop(0)
    return str(content_security_policy(["https://example.auth.us-east-1.amazoncognito.com"]))


@pytest.fixture(scope="session")
def csp() -> str:
    return production_csp()


@pytest.fixture()
def page(browser: Any, local_server: LocalServer, csp: str) -> Iterator[Any]:
    """A 1280x720 page whose documents from the app carry the production CSP; the test fails on any
    uncaught error or CSP violation in the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    context.set_default_timeout(20_000)

    def with_csp(route: Any) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

    context.route(f"{local_server.url}/**", with_csp)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on(
        "console",
        lambda m: problems.append(f"csp: {m.text}") if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert problems == [], problems


AXE_JS = WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core (WCAG 2.x A/AA rules) on the current page; one line per serious/critical finding."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21aa"];
            const r = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in result if v["impact"] in impacts
    ]


class Shots:
    """Numbered full-page screenshots of each step, each screen also checked with axe-core (serious and
    critical WCAG findings are collected in `a11y` and asserted on at the end of the test)."""

    def __init__(self, page: Any, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.n = 0
        self.a11y: list[str] = []
        for old in directory.glob("[0-9][0-9]-*.png"):
            old.unlink()

    def __call__(self, name: str, *, full_page: bool = True) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.directory / f"{self.n:02d}-{name}.png"), full_page=full_page)
        self.a11y += [f"{name}: {v}" for v in axe_violations(self.page)]


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
