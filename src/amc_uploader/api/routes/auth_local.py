"""Local-stack sign-in: USER_PASSWORD_AUTH against the local Cognito. Mounted only in local mode."""

from __future__ import annotations

from typing import Literal

from botocore.exceptions import ClientError
from fastapi import APIRouter, Request

from amc_uploader.api.deps import Backend, BackendDep
from amc_uploader.api.errors import ApiError, UnauthorizedError
from amc_uploader.api.models import LocalLoginRequest, LocalRefreshRequest, TokenResponse
from amc_uploader.api.throttle import LoginThrottle

router = APIRouter(prefix="/auth", tags=["auth"])


def _authenticate(
    backend: Backend,
    flow: Literal["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"],
    parameters: dict[str, str],
    *,
    refused: UnauthorizedError,
    challenge: UnauthorizedError,
) -> TokenResponse:
    """The local Cognito's tokens for one auth flow; a challenge (new password, MFA) is not supported."""
    try:
        out = backend.aws.cognito.initiate_auth(
            ClientId=backend.settings.cognito_client_id, AuthFlow=flow, AuthParameters=parameters
        )
    except ClientError:
        raise refused from None
    result = out.get("AuthenticationResult")
    if not result:
        raise challenge
    # A refresh answers without a refresh token: the one sent stays valid.
    return TokenResponse(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken", parameters.get("REFRESH_TOKEN")),
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


def login_throttle(request: Request) -> LoginThrottle:
    """The app's sign-in throttle (one per app, made on first use)."""
    throttle = getattr(request.app.state, "login_throttle", None)
    if not isinstance(throttle, LoginThrottle):
        throttle = LoginThrottle()
        request.app.state.login_throttle = throttle
    return throttle


@router.post("/local-login", response_model=TokenResponse, operation_id="localLogin")
def local_login(body: LocalLoginRequest, backend: BackendDep, request: Request) -> TokenResponse:
    """Sign in with username and password (local stack only). Repeated wrong passwords for a user or from
    a source are throttled: 429 with Retry-After, the wait doubling with each further failure."""
    throttle = login_throttle(request)
    keys = LoginThrottle.keys(body.username, request.client.host if request.client else "unknown")
    wait = throttle.retry_after(keys)
    if wait:
        raise ApiError(
            "Too many failed sign-ins: wait before trying again.",
            status=429,
            code="too_many_attempts",
            headers={"Retry-After": str(wait)},
        )
    try:
        tokens = _authenticate(
            backend,
            "USER_PASSWORD_AUTH",
            {"USERNAME": body.username, "PASSWORD": body.password},
            refused=UnauthorizedError("Wrong username or password.", code="invalid_credentials"),
            challenge=UnauthorizedError(
                "Sign-in needs a step this local stack does not support.", code="challenge"
            ),
        )
    except UnauthorizedError as exc:
        if exc.code == "invalid_credentials":
            throttle.failed(keys)
        raise
    throttle.succeeded(keys)
    return tokens


@router.post("/local-refresh", response_model=TokenResponse, operation_id="localRefresh")
def local_refresh(body: LocalRefreshRequest, backend: BackendDep) -> TokenResponse:
    """New ID and access tokens from a refresh token (local stack only)."""
    expired = UnauthorizedError("The session expired; sign in again.", code="invalid_refresh_token")
    return _authenticate(
        backend,
        "REFRESH_TOKEN_AUTH",
        {"REFRESH_TOKEN": body.refresh_token},
        refused=expired,
        challenge=expired,
    )
