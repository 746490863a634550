"""The role table over every route of the app (API, local sign-in, local web app): anonymous, plain user,
administrator. One table (`auth.ROUTE_ROLES`) decides; every route is in it and nothing else is."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from amc_sandbox import SANDBOX_INSTANCE_ID
from amc_uploader.api import create_app
from amc_uploader.api.auth import ROUTE_ROLES, Role
from amc_uploader.local.web import mount_web
from tests.api.conftest import ApiEnv, create_dataset, unique_dataset_id


def _app(env: ApiEnv) -> FastAPI:
    """The app as the local stack serves it: the API plus the web app's routes."""
    app = create_app(env.settings, backend=env.backend)
    mount_web(app, None, {"authMode": "local"})
    return app


def _routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    """(method, path template, guarded by dependencies) for every route; HEAD is GET's."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        methods = getattr(route, "methods", None) or set()
        for method in sorted(methods - {"HEAD"}):
            out.append((method, context.path_format or "", isinstance(route, APIRoute)))
    return out


@pytest.fixture(scope="module")
def client(api_env: ApiEnv) -> Iterator[TestClient]:
    with TestClient(_app(api_env), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def lwa_secret(api_env: ApiEnv) -> Iterator[None]:
    """The admin pass calls DELETE /api/settings/credentials: put the session's secret back after."""
    secret_id = api_env.names.lwa_secret_id
    saved = api_env.aws.secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    yield
    api_env.aws.secrets.put_secret_value(SecretId=secret_id, SecretString=saved)


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nothing-here", path)


def test_every_route_is_in_the_table_and_nothing_else(api_env: ApiEnv) -> None:
    routes = _routes(_app(api_env))
    assert len(routes) == len(set(routes))
    assert {(m, p) for m, p, _ in routes} == set(ROUTE_ROLES)
    # Routes outside FastAPI's dependency system (the schema and docs pages) cannot be guarded.
    assert all(ROUTE_ROLES[(m, p)] is Role.PUBLIC for m, p, guarded in routes if not guarded)


def _cases() -> list[tuple[str, str]]:
    return sorted(ROUTE_ROLES)


@pytest.mark.parametrize(("method", "path"), _cases())
def test_anonymous(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, _url(path), json={})
    if ROUTE_ROLES[(method, path)] is Role.PUBLIC:
        assert r.status_code not in (401, 403), r.text
    else:
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), _cases())
def test_plain_user(api_env: ApiEnv, client: TestClient, method: str, path: str) -> None:
    r = client.request(method, _url(path), json={}, headers={"Authorization": f"Bearer {api_env.user_token}"})
    if ROUTE_ROLES[(method, path)] is Role.ADMIN:
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "forbidden"
    else:
        assert r.status_code not in (401, 403), r.text


@pytest.mark.parametrize(("method", "path"), _cases())
def test_admin(api_env: ApiEnv, client: TestClient, lwa_secret: None, method: str, path: str) -> None:
    r = client.request(
        method, _url(path), json={}, headers={"Authorization": f"Bearer {api_env.admin_token}"}
    )
    assert r.status_code not in (401, 403), r.text


def test_plain_user_cannot_delete_a_dataset(api_env: ApiEnv) -> None:
    dataset_id = unique_dataset_id("roles")
    create_dataset(api_env, dataset_id)
    path = f"/api/instances/{SANDBOX_INSTANCE_ID}/datasets/{dataset_id}"
    with api_env.client("user") as c:
        assert c.delete(path).status_code == 403
        assert c.get(path).status_code == 200
    with api_env.client() as c:
        assert c.delete(path).status_code == 204


def test_a_route_missing_from_the_table_is_refused(api_env: ApiEnv) -> None:
    app = create_app(api_env.settings, backend=api_env.backend)

    @app.get("/api/unlisted")
    def unlisted() -> dict[str, str]:
        return {}

    with TestClient(app) as c:
        r = c.get("/api/unlisted", headers={"Authorization": f"Bearer {api_env.admin_token}"})
    assert r.status_code == 403
