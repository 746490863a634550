"""Login with Amazon (spec A.1-A.3): consent URL, code and refresh exchanges, a cached access token.

Credentials live in a pluggable `CredentialStore`; `LwaTokenProvider` keeps one access token until shortly
before it expires (the reference refreshed on every call) and is safe to share between threads. Token
and secret values never reach a log record, an exception message or a repr.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, urlencode

import httpx
from pydantic import SecretStr

from amc_client.errors import (
    AmcAuthError,
    AmcCredentialsError,
    AmcTransportError,
    error_from_response,
    invalid_response,
    parse_retry_after,
)
from amc_client.retry import RetryPolicy
from amc_client.settings import DEFAULT_SCOPE, LWA_CONSENT_URLS, LWA_TOKEN_URLS, Region

logger = logging.getLogger(__name__)

# Spec A.3: the reference writes this sentinel when new client credentials invalidate the grant.
TOKEN_DELETED = "TOKEN_DELETED"  # noqa: S105 - a marker, not a secret


def _reveal(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    if value is None or isinstance(value, SecretStr):
        return value
    return SecretStr(value)


@dataclass(frozen=True)
class LwaCredentials:
    """LwA client credentials and (once consent happened) the refresh token."""

    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "client_secret", _secret(self.client_secret))
        token = _secret(self.refresh_token)
        if token is not None and token.get_secret_value() in ("", TOKEN_DELETED):
            token = None
        object.__setattr__(self, "refresh_token", token)

    def __repr__(self) -> str:
        has = "set" if self.refresh_token is not None else "none"
        return f"LwaCredentials(client_id={self.client_id!r}, client_secret='**', refresh_token={has})"

    def secret_values(self) -> tuple[str, ...]:
        values = [self.client_secret.get_secret_value()]
        if self.refresh_token is not None:
            values.append(self.refresh_token.get_secret_value())
        return tuple(values)


@runtime_checkable
class CredentialStore(Protocol):
    """Where LwA credentials live. `load` is called on each token refresh (rotation-friendly)."""

    def load(self) -> LwaCredentials: ...

    def save_refresh_token(self, refresh_token: str) -> None: ...


class InMemoryCredentialStore:
    """Credentials held in this process (tests, notebooks, the sandbox)."""

    def __init__(
        self, client_id: str, client_secret: str | SecretStr, refresh_token: str | SecretStr | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._credentials = LwaCredentials(
            client_id, SecretStr(_reveal(client_secret)), _secret(refresh_token)
        )

    def load(self) -> LwaCredentials:
        with self._lock:
            return self._credentials

    def save_refresh_token(self, refresh_token: str) -> None:
        with self._lock:
            c = self._credentials
            self._credentials = LwaCredentials(c.client_id, c.client_secret, SecretStr(refresh_token))

    def __repr__(self) -> str:
        return f"InMemoryCredentialStore({self._credentials!r})"


class EnvCredentialStore:
    """`AMC_CLIENT_ID`, `AMC_CLIENT_SECRET`, `AMC_REFRESH_TOKEN` (prefix configurable). A refresh token
    obtained later (code exchange) is kept in memory: the environment is not written."""

    def __init__(self, prefix: str = "AMC_", environ: Mapping[str, str] | None = None) -> None:
        self._prefix = prefix
        self._environ = environ if environ is not None else os.environ
        self._refresh_override: SecretStr | None = None

    def load(self) -> LwaCredentials:
        client_id = self._environ.get(f"{self._prefix}CLIENT_ID")
        client_secret = self._environ.get(f"{self._prefix}CLIENT_SECRET")
        if not client_id or not client_secret:
            raise AmcCredentialsError(
                f"{self._prefix}CLIENT_ID and {self._prefix}CLIENT_SECRET must be set in the environment"
            )
        refresh = self._refresh_override or _secret(self._environ.get(f"{self._prefix}REFRESH_TOKEN") or None)
        return LwaCredentials(client_id, SecretStr(client_secret), refresh)

    def save_refresh_token(self, refresh_token: str) -> None:
        self._refresh_override = SecretStr(refresh_token)

    def __repr__(self) -> str:
        return f"EnvCredentialStore(prefix={self._prefix!r})"


class SecretsManagerCredentialStore:
    """One Secrets Manager secret holding `{"client_id", "client_secret", "refresh_token"}` (spec A.3).

    `client` is a boto3 `secretsmanager` client (injected: endpoint, region and credentials are the
    caller's business). A new refresh token is merged into the secret, other keys preserved.
    """

    def __init__(self, secret_id: str, client: Any) -> None:
        self.secret_id = secret_id
        self._client = client
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            raw = self._client.get_secret_value(SecretId=self.secret_id)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise AmcCredentialsError(f"cannot read secret {self.secret_id}: {code}") from None
        text = raw.get("SecretString") or "{}"
        try:
            data = json.loads(text)
        except ValueError:
            raise AmcCredentialsError(f"secret {self.secret_id} is not a JSON object") from None
        if not isinstance(data, dict):
            raise AmcCredentialsError(f"secret {self.secret_id} is not a JSON object")
        return data

    def load(self) -> LwaCredentials:
        data = self._read()
        client_id, client_secret = data.get("client_id"), data.get("client_secret")
        if not client_id or not client_secret:
            raise AmcCredentialsError(f"secret {self.secret_id} lacks client_id/client_secret")
        return LwaCredentials(
            str(client_id), SecretStr(str(client_secret)), _secret(data.get("refresh_token"))
        )

    def save_refresh_token(self, refresh_token: str) -> None:
        with self._lock:
            data = self._read()
            data["refresh_token"] = refresh_token
            self._client.put_secret_value(SecretId=self.secret_id, SecretString=json.dumps(data))

    def save_client_credentials(self, client_id: str, client_secret: str) -> None:
        """Store new client credentials; an existing refresh token becomes `TOKEN_DELETED` (new consent)."""
        with self._lock:
            try:
                data = self._read()
            except AmcCredentialsError:
                data = {}
            data.update(client_id=client_id, client_secret=client_secret)
            if data.get("refresh_token"):
                data["refresh_token"] = TOKEN_DELETED
            self._client.put_secret_value(SecretId=self.secret_id, SecretString=json.dumps(data))

    def __repr__(self) -> str:
        return f"SecretsManagerCredentialStore(secret_id={self.secret_id!r})"


@dataclass(frozen=True)
class PkcePair:
    """PKCE verifier and S256 challenge (RFC 7636)."""

    verifier: SecretStr
    challenge: str
    method: str = "S256"

    def __repr__(self) -> str:
        return f"PkcePair(challenge={self.challenge!r}, method={self.method!r})"


def _token_body(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON object of a token answer with an access token and a numeric lifetime, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("access_token"):
        return None
    try:
        float(body.get("expires_in", 3600))
    except (ValueError, TypeError):
        return None
    return body


def generate_pkce() -> PkcePair:
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return PkcePair(SecretStr(verifier), challenge)


def generate_state() -> str:
    return secrets.token_urlsafe(24)


def build_consent_url(
    client_id: str,
    redirect_uri: str,
    *,
    scope: str = DEFAULT_SCOPE,
    state: str | None = None,
    code_challenge: str | None = None,
    code_challenge_method: str = "S256",
    region: Region | str = Region.NA,
    consent_url: str | None = None,
) -> str:
    """The LwA authorization page URL (spec A.1). `consent_url` overrides the region host (sandbox)."""
    base = consent_url or LWA_CONSENT_URLS[Region(str(region).upper())]
    params = {"client_id": client_id, "scope": scope, "response_type": "code", "redirect_uri": redirect_uri}
    if state is not None:
        params["state"] = state
    if code_challenge is not None:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = code_challenge_method
    # Spaces in scope as %20, not "+" (spec A.1); keep "::" readable.
    query = urlencode(params, quote_via=quote, safe=":")
    return f"{base}{'&' if '?' in base else '?'}{query}"


@dataclass(frozen=True)
class TokenGrant:
    """What a code exchange returned (values hidden from repr)."""

    access_token: SecretStr = field(repr=False)
    refresh_token: SecretStr | None = field(repr=False)
    expires_in: float
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type name


class TokenProvider(Protocol):
    """What `AmcClient` needs from auth."""

    @property
    def client_id(self) -> str: ...

    def get_access_token(self) -> str: ...

    def invalidate(self, access_token: str | None = None) -> None: ...

    def secret_values(self) -> tuple[str, ...]: ...


class StaticTokenProvider:
    """A fixed access token (scripts that already hold one). Cannot refresh."""

    def __init__(self, client_id: str, access_token: str | SecretStr) -> None:
        self._client_id = client_id
        self._token = SecretStr(_reveal(access_token))

    @property
    def client_id(self) -> str:
        return self._client_id

    def get_access_token(self) -> str:
        return self._token.get_secret_value()

    def invalidate(self, access_token: str | None = None) -> None:
        """Nothing to refresh; the next call reuses the same token."""

    def secret_values(self) -> tuple[str, ...]:
        return (self.get_access_token(),)

    def __repr__(self) -> str:
        return f"StaticTokenProvider(client_id={self._client_id!r})"


class LwaTokenProvider:
    """Access tokens from LwA, cached until `refresh_margin` seconds before `expires_in` runs out.

    `refresh_margin` is capped at a tenth of the token lifetime so short-lived tokens (the sandbox) still
    get cached. `transport`/`http_client` are injectable like everything else here.
    """

    def __init__(
        self,
        store: CredentialStore,
        *,
        token_url: str = LWA_TOKEN_URLS[Region.NA],
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.store = store
        self._retry = retry or RetryPolicy(max_attempts=3)
        self.token_url = token_url
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.RLock()
        self._access_token: SecretStr | None = None
        self._expires_at = 0.0
        self._client_id: str | None = None
        self._known_secrets: tuple[str, ...] = ()
        self.refresh_count = 0

    def __repr__(self) -> str:
        state = "cached" if self._access_token is not None else "empty"
        return f"LwaTokenProvider(store={self.store!r}, token_url={self.token_url!r}, token={state})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    @property
    def client_id(self) -> str:
        if self._client_id is None:
            self._client_id = self.store.load().client_id
        return self._client_id

    def secret_values(self) -> tuple[str, ...]:
        """Values that must never appear in output (used to scrub error texts)."""
        current = (self._access_token.get_secret_value(),) if self._access_token is not None else ()
        return current + self._known_secrets

    def get_access_token(self) -> str:
        with self._lock:
            if self._access_token is not None and self._clock() < self._expires_at:
                return self._access_token.get_secret_value()
            return self._refresh()

    def invalidate(self, access_token: str | None = None) -> None:
        """Drop the cached token (after a 401). With `access_token`, only if it is still the cached one,
        so concurrent 401s cause one refresh, not one each."""
        with self._lock:
            if access_token is None or (
                self._access_token is not None and self._access_token.get_secret_value() == access_token
            ):
                self._access_token = None
                self._expires_at = 0.0

    def _refresh(self) -> str:
        credentials = self.store.load()
        self._client_id = credentials.client_id
        self._known_secrets = credentials.secret_values()
        if credentials.refresh_token is None:
            raise AmcCredentialsError(
                "no LwA refresh token: complete the consent flow first (build_consent_url + exchange_code)"
            )
        grant = self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": credentials.refresh_token.get_secret_value(),
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret.get_secret_value(),
            },
            credentials,
        )
        self.refresh_count += 1
        new_refresh = grant.refresh_token
        if (
            new_refresh is not None
            and new_refresh.get_secret_value() != credentials.refresh_token.get_secret_value()
        ):
            self.store.save_refresh_token(new_refresh.get_secret_value())
            logger.info("LwA returned a new refresh token; credential store updated")
        logger.debug("LwA access token refreshed (expires in %.0fs)", grant.expires_in)
        return grant.access_token.get_secret_value()

    def exchange_code(
        self, code: str, redirect_uri: str, *, code_verifier: str | SecretStr | None = None
    ) -> TokenGrant:
        """Authorization-code grant (spec A.2): stores the refresh token and caches the access token."""
        credentials = self.store.load()
        self._client_id = credentials.client_id
        self._known_secrets = (*credentials.secret_values(), code)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret.get_secret_value(),
        }
        verifier = _secret(code_verifier)
        if verifier is not None:
            form["code_verifier"] = verifier.get_secret_value()
        with self._lock:
            grant = self._token_request(form, credentials)
            if grant.refresh_token is None:
                raise AmcAuthError(400, "invalid_grant", "LwA code exchange returned no refresh token")
            self.store.save_refresh_token(grant.refresh_token.get_secret_value())
            self._known_secrets = (*self._known_secrets, grant.refresh_token.get_secret_value())
        logger.info("LwA authorization code exchanged; refresh token stored")
        return grant

    def _token_request(self, form: dict[str, str], credentials: LwaCredentials) -> TokenGrant:
        scrub = (*credentials.secret_values(), *form.values())
        # A refresh grant may be repeated; an authorization code is single-use, so a code exchange is
        # retried only when the request never left (failed connect).
        repeatable = form.get("grant_type") == "refresh_token"
        policy = self._retry
        start = policy.clock()
        attempt = 0
        body: dict[str, Any] = {}
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self._http.post(self.token_url, data=form, headers={"Accept": "application/json"})
            except httpx.TransportError as exc:
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                error: Exception = AmcTransportError(
                    type(exc).__name__, method="POST", url=self.token_url, sent=sent
                )
                retryable = repeatable or not sent
            else:
                status = response.status_code
                if status == 200:
                    parsed = _token_body(response)
                    if parsed is not None:
                        body = parsed
                        break
                    # LwA handled the request but its answer is lost: repeat only a repeatable grant.
                    error = invalid_response(
                        response, "token response lacks access_token", method="POST", path="/auth/o2/token"
                    )
                    retryable = repeatable
                elif not (status == 429 or status >= 500):
                    break
                else:
                    error = error_from_response(response, secrets=scrub, path="/auth/o2/token")
                    retryable = repeatable or status == 429
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
            delay = policy.delay(attempt, retry_after)
            if (
                not retryable
                or attempt >= policy.max_attempts
                or delay is None
                or policy.clock() - start + delay > policy.max_total_seconds
            ):
                raise error
            logger.warning("LwA token request failed (%s); retry in %.2fs", type(error).__name__, delay)
            policy.sleep(delay)
        if response.status_code != 200:
            api_error = error_from_response(response, secrets=scrub, path="/auth/o2/token")
            # LwA answers invalid grants/clients with 400/401: all are auth failures for the caller.
            if response.status_code in (400, 401, 403):
                api_error = AmcAuthError(
                    api_error.status,
                    api_error.code,
                    api_error.details,
                    api_error.request_id,
                    method="POST",
                    path="/auth/o2/token",
                )
            raise api_error
        access = str(body["access_token"])
        expires_in = float(body.get("expires_in", 3600))
        refresh = body.get("refresh_token")
        grant = TokenGrant(
            access_token=SecretStr(access),
            refresh_token=SecretStr(str(refresh)) if refresh else None,
            expires_in=expires_in,
            token_type=str(body.get("token_type", "bearer")),
        )
        margin = min(self._refresh_margin, expires_in / 10)
        self._access_token = grant.access_token
        self._expires_at = self._clock() + max(0.0, expires_in - margin)
        return grant
