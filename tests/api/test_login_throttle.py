"""Local sign-in throttling: wrong passwords in a row end in 429 with Retry-After, exponential backoff per
user and per source, reset by a successful sign-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from amc_uploader.api import create_app
from amc_uploader.api.throttle import LoginThrottle
from tests.api.conftest import PASSWORD, ApiEnv


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def client(api_env: ApiEnv, clock: Clock) -> Iterator[TestClient]:
    app = create_app(api_env.settings, backend=api_env.backend)
    app.state.login_throttle = LoginThrottle(user_free_attempts=5, source_free_attempts=20, clock=clock)
    with TestClient(app) as c:
        yield c


def _login(client: TestClient, username: str, password: str) -> tuple[int, str | None]:
    r = client.post("/api/auth/local-login", json={"username": username, "password": password})
    if r.status_code == 429:
        assert r.json()["error"] == "too_many_attempts"
        assert PASSWORD not in r.text and "wrong-" not in r.text
    return r.status_code, r.headers.get("retry-after")


def test_thirty_wrong_passwords_are_throttled_with_backoff(client: TestClient, clock: Clock) -> None:
    answers = [_login(client, "marketer", f"wrong-{i}") for i in range(30)]
    statuses = [s for s, _ in answers]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 401  # the sixth failure is counted and starts the wait
    assert all(s == 429 for s in statuses[6:])
    assert answers[6][1] == "1"
    # Each failure after the wait doubles it: 1, 2, 4, 8 s.
    waits = []
    for _ in range(4):
        clock.now += int(_login(client, "marketer", "wrong")[1] or 0)
        assert _login(client, "marketer", "wrong")[0] == 401
        status, retry_after = _login(client, "marketer", "wrong")
        assert status == 429
        waits.append(int(retry_after or 0))
    assert waits == [2, 4, 8, 16]
    # Even the right password waits while blocked.
    assert _login(client, "marketer", PASSWORD)[0] == 429


def test_success_resets_the_user(client: TestClient, clock: Clock) -> None:
    for i in range(6):
        assert _login(client, "marketer", f"wrong-{i}")[0] == 401
    clock.now += 1
    assert _login(client, "marketer", PASSWORD)[0] == 200
    for i in range(5):
        assert _login(client, "marketer", f"wrong-{i}")[0] == 401


def test_a_blocked_user_does_not_block_another(client: TestClient) -> None:
    for i in range(7):
        _login(client, "marketer", f"wrong-{i}")
    assert _login(client, "marketer", "wrong")[0] == 429
    assert _login(client, "admin", PASSWORD)[0] == 200


def test_a_source_trying_many_users_is_throttled(client: TestClient) -> None:
    statuses = [_login(client, f"user{i}", "wrong")[0] for i in range(25)]
    assert statuses[:20] == [401] * 20
    assert 429 in statuses[20:]


def test_throttle_keys_fold_case() -> None:
    assert LoginThrottle.keys(" Marketer", "127.0.0.1") == LoginThrottle.keys("marketer", "127.0.0.1")
