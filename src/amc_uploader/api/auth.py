"""Cognito JWT verification (ID or access tokens) against the user pool's JWKS, with PyJWT."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
import jwt

from amc_uploader.api.errors import ForbiddenError, UnauthorizedError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """The signed-in user, from a verified token."""

    subject: str
    username: str
    groups: tuple[str, ...] = field(default_factory=tuple)
    is_admin: bool = False
    token_use: str = "id"  # noqa: S105 (a claim name, not a secret)


class JwksCache:
    """Fetches the pool's JWKS once and again at most every `min_refresh` seconds for unknown key ids."""

    def __init__(self, url: str, *, ttl: float = 3600.0, min_refresh: float = 30.0, timeout: float = 5.0):
        self._url = url
        self._ttl = ttl
        self._min_refresh = min_refresh
        self._timeout = timeout
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        response = httpx.get(self._url, timeout=self._timeout)
        response.raise_for_status()
        keyset = jwt.PyJWKSet.from_dict(response.json())
        self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
        self._fetched_at = time.monotonic()

    def get(self, kid: str) -> Any:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if not self._keys or age > self._ttl or (kid not in self._keys and age > self._min_refresh):
                try:
                    self._fetch()
                except (httpx.HTTPError, jwt.PyJWTError, ValueError) as exc:
                    logger.warning("jwks fetch failed", extra={"error_type": type(exc).__name__})
                    if not self._keys:
                        raise UnauthorizedError("Token keys are unavailable.") from None
            key = self._keys.get(kid)
        if key is None:
            raise UnauthorizedError("Token signed with an unknown key.")
        return key


class CognitoVerifier:
    """Verifies signature, issuer, expiry, `token_use` and audience (ID token) or client id (access token)."""

    def __init__(self, *, issuer: str, client_id: str, jwks: JwksCache, admin_group: str, leeway: float = 30):
        self._issuer = issuer
        self._client_id = client_id
        self._jwks = jwks
        self._admin_group = admin_group
        self._leeway = leeway

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise UnauthorizedError("Malformed token.") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") != "RS256":
            raise UnauthorizedError("Unsupported token.")
        key = self._jwks.get(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("Token expired.", code="token_expired") from None
        except jwt.InvalidIssuerError:
            raise UnauthorizedError("Token issued by another user pool.") from None
        except jwt.PyJWTError:
            raise UnauthorizedError("Invalid token.") from None
        token_use = claims.get("token_use")
        if token_use == "id":  # noqa: S105
            aud = claims.get("aud")
            ok = aud == self._client_id or (isinstance(aud, list) and self._client_id in aud)
        elif token_use == "access":  # noqa: S105
            ok = claims.get("client_id") == self._client_id
        else:
            ok = False
        if not ok:
            raise UnauthorizedError("Token issued for another client.")
        raw_groups = claims.get("cognito:groups") or []
        groups = tuple(str(g) for g in raw_groups) if isinstance(raw_groups, list) else ()
        username = str(claims.get("cognito:username") or claims.get("username") or claims["sub"])
        return Principal(
            subject=str(claims["sub"]),
            username=username,
            groups=groups,
            is_admin=self._admin_group in groups,
            token_use=str(token_use),
        )


class Role(StrEnum):
    """Who may call a route: anyone, any signed-in user, or a member of the administrator group."""

    PUBLIC = "public"
    USER = "user"
    ADMIN = "admin"


_P, _U, _A = Role.PUBLIC, Role.USER, Role.ADMIN

#: Every route of the app (API, local sign-in, local web app) -> the role it needs. The one place where
#: access is decided: `deps.authorize` enforces it for every route, a route missing here is refused.
#: Destructive or account-wide actions (settings, credentials, instances, dataset deletion, erasure)
#: need an administrator; day-to-day work (files, jobs, triggers, dataset creation) a signed-in user.
ROUTE_ROLES: dict[tuple[str, str], Role] = {
    ("GET", "/api/health"): _P,
    ("GET", "/api/version"): _U,
    ("GET", "/api/me"): _U,
    ("GET", "/api/reasons"): _U,
    ("GET", "/api/settings"): _A,
    ("PATCH", "/api/settings"): _A,
    ("GET", "/api/settings/credentials"): _A,
    ("PUT", "/api/settings/credentials"): _A,
    ("DELETE", "/api/settings/credentials"): _A,
    ("POST", "/api/settings/oauth/consent-url"): _A,
    ("POST", "/api/settings/oauth/callback"): _A,
    ("GET", "/api/instances"): _U,
    ("PUT", "/api/instances"): _A,
    ("POST", "/api/instances"): _A,
    ("GET", "/api/instances/discover"): _A,
    ("GET", "/api/instances/{instance_id}"): _U,
    ("PUT", "/api/instances/{instance_id}"): _A,
    ("DELETE", "/api/instances/{instance_id}"): _A,
    ("GET", "/api/files"): _U,
    ("PUT", "/api/files/content"): _U,
    ("POST", "/api/files/preview"): _U,
    ("GET", "/api/instances/{instance_id}/datasets"): _U,
    ("POST", "/api/instances/{instance_id}/datasets"): _U,
    ("GET", "/api/instances/{instance_id}/datasets/{dataset_id}"): _U,
    ("DELETE", "/api/instances/{instance_id}/datasets/{dataset_id}"): _A,
    ("POST", "/api/instances/{instance_id}/datasets/{dataset_id}/compatibility"): _U,
    ("GET", "/api/instances/{instance_id}/datasets/{dataset_id}/uploads"): _U,
    ("POST", "/api/jobs/dry-run"): _U,
    ("POST", "/api/jobs"): _U,
    ("GET", "/api/jobs"): _U,
    ("GET", "/api/jobs/{job_id}"): _U,
    ("POST", "/api/jobs/{job_id}/instances/{instance_id}/retry"): _U,
    ("POST", "/api/jobs/{job_id}/cancel"): _U,
    ("GET", "/api/triggers"): _U,
    ("POST", "/api/triggers"): _U,
    ("GET", "/api/triggers/{rule_id}"): _U,
    ("DELETE", "/api/triggers/{rule_id}"): _U,
    ("POST", "/api/erasures"): _A,
    ("GET", "/api/erasures"): _U,
    ("GET", "/api/erasures/{erasure_id}"): _U,
    ("POST", "/api/auth/local-login"): _P,
    ("POST", "/api/auth/local-refresh"): _P,
    # The schema and its docs page (local stack only), and the local web app (`local.web`).
    ("GET", "/api/openapi.json"): _P,
    ("GET", "/api/docs"): _P,
    ("GET", "/runtime-config.json"): _P,
    ("GET", "/{path}"): _P,
}


def route_role(method: str, path: str) -> Role | None:
    """The role a route needs (HEAD as GET); None for a route the table does not know."""
    return ROUTE_ROLES.get(("GET" if method == "HEAD" else method, path))


def check_role(role: Role | None, principal: Principal) -> Principal:
    """`principal` when it may call a route needing `role`; an unknown route is refused (fail closed)."""
    if role is None:
        raise ForbiddenError("This route has no access rule.")
    if role is Role.ADMIN and not principal.is_admin:
        raise ForbiddenError("This action needs the administrator group.")
    return principal
