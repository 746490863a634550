"""An in-process stand-in for LwA + AMC behind `httpx.MockTransport`, for the policy unit tests.

The real sandbox (tests/client/test_sandbox_*.py) covers the HTTP behaviour end to end; these fakes
let the unit tests script exact answers and record every request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from amc_client import AmcClient, AmcSettings, RetryPolicy

CLIENT_ID = "amzn1.application-oa2-client.unit"
CLIENT_SECRET = "unit-client-secret-Zq9"
REFRESH_TOKEN = "Atzr|unit-refresh-token-Kx7"
BASE = "http://amc.test"
TOKEN_URL = "http://lwa.test/auth/o2/token"

Handler = Callable[[httpx.Request], httpx.Response]


def settings(**overrides: Any) -> AmcSettings:
    values: dict[str, Any] = {
        "api_base_url": BASE,
        "lwa_token_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "advertiser_id": "ENTITYUNIT1",
        "marketplace_id": "ATVPDKIKX0DER",
        "instance_id": "amcunit01",
    }
    values.update(overrides)
    return AmcSettings(**values)


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeAmc:
    """Routes token calls to a scripted LwA and everything else to `api`. Records requests."""

    api: Handler
    expires_in: int = 3600
    token_status: int = 200
    token_body: dict[str, Any] | None = None
    # Answers given to the first token requests, before the scripted LwA above takes over.
    token_answers: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            form = dict(httpx.QueryParams(request.content.decode()))
            with self.lock:
                self.token_requests.append(form)
                token = f"Atza|access-{len(self.token_requests)}-secretvalue"
                self.issued.append(token)
                if self.token_answers:
                    return self.token_answers.pop(0)
            if self.token_status != 200:
                return httpx.Response(self.token_status, json=self.token_body or {})
            body = self.token_body or {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "refresh_token": form.get("refresh_token", "Atzr|from-code-exchange-1"),
            }
            return httpx.Response(200, json=body)
        self.requests.append(request)
        return self.api(request)

    def api_requests(self, method: str | None = None, suffix: str = "") -> list[httpx.Request]:
        return [
            r for r in self.requests if (method is None or r.method == method) and r.url.path.endswith(suffix)
        ]

    def client(self, clock: FakeClock | None = None, **policy: Any) -> AmcClient:
        clock = clock or FakeClock()
        retry = RetryPolicy(sleep=clock.sleep, clock=clock, random=lambda: 0.5, **policy)
        return AmcClient(settings(), transport=httpx.MockTransport(self), retry=retry)


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {}, headers=headers)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None
