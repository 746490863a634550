"""Local-stack sign-in: USER_PASSWORD_AUTH against the local Cognito. Mounted only in local mode."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from fastapi import APIRouter

from amc_uploader.api.deps import BackendDep
from amc_uploader.api.errors import UnauthorizedError
from amc_uploader.api.models import LocalLoginRequest, LocalRefreshRequest, TokenResponse

router = APIRouter(prefix="/auth", tags=["auth"])


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> TokenResponse:
    return TokenResponse(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken", refresh_token),
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


@router.post("/local-login", response_model=TokenResponse, operation_id="localLogin")
def local_login(body: LocalLoginRequest, backend: BackendDep) -> TokenResponse:
    """Sign in with username and password (local stack only)."""
    try:
        out = backend.aws.cognito.initiate_auth(
            ClientId=backend.settings.cognito_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": body.username, "PASSWORD": body.password},
        )
    except ClientError:
        raise UnauthorizedError("Wrong username or password.", code="invalid_credentials") from None
    result = out.get("AuthenticationResult")
    if not result:
        raise UnauthorizedError("Sign-in needs a step this local stack does not support.", code="challenge")
    return _tokens(dict(result))


@router.post("/local-refresh", response_model=TokenResponse, operation_id="localRefresh")
def local_refresh(body: LocalRefreshRequest, backend: BackendDep) -> TokenResponse:
    """New ID and access tokens from a refresh token (local stack only)."""
    try:
        out = backend.aws.cognito.initiate_auth(
            ClientId=backend.settings.cognito_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": body.refresh_token},
        )
    except ClientError:
        raise UnauthorizedError("The session expired; sign in again.", code="invalid_refresh_token") from None
    result = out.get("AuthenticationResult")
    if not result:
        raise UnauthorizedError("The session expired; sign in again.", code="invalid_refresh_token")
    return _tokens(dict(result), body.refresh_token)
