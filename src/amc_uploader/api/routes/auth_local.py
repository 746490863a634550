"""Local-stack sign-in: USER_PASSWORD_AUTH against the local Cognito. Mounted only in local mode."""

from __future__ import annotations

from typing import Literal

from botocore.exceptions import ClientError
from fastapi import APIRouter

from amc_uploader.api.deps import Backend, BackendDep
from amc_uploader.api.errors import UnauthorizedError
from amc_uploader.api.models import LocalLoginRequest, LocalRefreshRequest, TokenResponse

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


@router.post("/local-login", response_model=TokenResponse, operation_id="localLogin")
def local_login(body: LocalLoginRequest, backend: BackendDep) -> TokenResponse:
    """Sign in with username and password (local stack only)."""
    return _authenticate(
        backend,
        "USER_PASSWORD_AUTH",
        {"USERNAME": body.username, "PASSWORD": body.password},
        refused=UnauthorizedError("Wrong username or password.", code="invalid_credentials"),
        challenge=UnauthorizedError(
            "Sign-in needs a step this local stack does not support.", code="challenge"
        ),
    )


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
