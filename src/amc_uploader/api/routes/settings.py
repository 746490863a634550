"""Settings (administrators only): preferences, write-only LWA credentials and the OAuth round trip."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.domain_errors import NotConfigured
from amc_uploader.api.errors import BadRequestError
from amc_uploader.api.models import (
    ConsentUrl,
    ConsentUrlRequest,
    CredentialStatus,
    CredentialsUpdate,
    OAuthCallback,
    SettingsUpdate,
    SettingsView,
)

router = APIRouter(prefix="/settings", tags=["settings"])
logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600


def _view(backend: BackendDep) -> SettingsView:
    prefs = backend.settings_repo.preferences()
    s = backend.settings
    return SettingsView(
        credentials=backend.credentials.status(),
        allow_sample_values=prefs.allow_sample_values,
        lwa_scope=prefs.lwa_scope or s.lwa_scope,
        consent_url=s.lwa_consent_url,
        api_base_url=s.api_base_url,
        redirect_uri=s.redirect_uri,
        data_bucket=s.data_bucket,
        artifact_bucket=s.artifact_bucket,
        kms_key_arn=s.kms_key_arn,
        version=s.version,
    )


@router.get("", response_model=SettingsView, operation_id="getSettings")
def get_settings(backend: BackendDep, user: UserDep) -> SettingsView:
    return _view(backend)


@router.patch("", response_model=SettingsView, operation_id="updateSettings")
def update_settings(body: SettingsUpdate, backend: BackendDep, user: UserDep) -> SettingsView:
    prefs = backend.settings_repo.preferences()
    if body.allow_sample_values is not None:
        prefs.allow_sample_values = body.allow_sample_values
    if body.lwa_scope is not None:
        prefs.lwa_scope = body.lwa_scope
    backend.settings_repo.save_preferences(prefs)
    logger.info("settings updated", extra={"user": user.subject})
    return _view(backend)


@router.get("/credentials", response_model=CredentialStatus, operation_id="getCredentialStatus")
def credential_status(backend: BackendDep, user: UserDep) -> CredentialStatus:
    return backend.credentials.status()


@router.put("/credentials", response_model=CredentialStatus, operation_id="saveCredentials")
def save_credentials(body: CredentialsUpdate, backend: BackendDep, user: UserDep) -> CredentialStatus:
    """Store the LWA client id and secret (write-only). Clears the refresh token: connect again after."""
    backend.credentials.save_client(body.client_id, body.client_secret)
    backend.amc.reset()
    logger.info("lwa credentials saved", extra={"user": user.subject})
    return backend.credentials.status()


@router.delete("/credentials", response_model=CredentialStatus, operation_id="deleteCredentials")
def delete_credentials(backend: BackendDep, user: UserDep) -> CredentialStatus:
    backend.credentials.clear()
    backend.amc.reset()
    logger.info("lwa credentials cleared", extra={"user": user.subject})
    return backend.credentials.status()


@router.post("/oauth/consent-url", response_model=ConsentUrl, operation_id="createConsentUrl")
def consent_url(body: ConsentUrlRequest, backend: BackendDep, user: UserDep) -> ConsentUrl:
    """A Login-with-Amazon consent URL with a fresh `state` the callback checks server-side."""
    status = backend.credentials.status()
    if not (status.client_id_set and status.client_secret_set):
        raise NotConfigured("Save the LWA client id and secret first.", code="credentials_missing")
    redirect_uri = body.redirect_uri or backend.settings.redirect_uri
    if not redirect_uri:
        raise NotConfigured("No redirect URI configured or given.", code="redirect_uri_missing")
    state = secrets.token_urlsafe(32)
    prefs = backend.settings_repo.preferences()
    start = backend.amc.consent(
        redirect_uri=redirect_uri, state=state, scope=prefs.lwa_scope or backend.settings.lwa_scope
    )
    backend.settings_repo.save_oauth_state(
        state,
        {"subject": user.subject, "redirect_uri": redirect_uri, "code_verifier": start.code_verifier},
        STATE_TTL_SECONDS,
    )
    return ConsentUrl(
        url=start.url, state=state, expires_at=datetime.now(UTC) + timedelta(seconds=STATE_TTL_SECONDS)
    )


@router.post("/oauth/callback", response_model=CredentialStatus, operation_id="completeOAuth")
def oauth_callback(body: OAuthCallback, backend: BackendDep, user: UserDep) -> CredentialStatus:
    """Exchange the authorization code and keep the refresh token server-side (never returned)."""
    pending = backend.settings_repo.consume_oauth_state(body.state)
    if pending is None or pending.get("subject") != user.subject:
        raise BadRequestError(
            "Unknown or expired OAuth state; start the connection again.", code="invalid_state"
        )
    backend.amc.exchange_code(
        code=body.code, redirect_uri=str(pending["redirect_uri"]), code_verifier=pending.get("code_verifier")
    )
    logger.info("amazon ads connected", extra={"user": user.subject})
    return backend.credentials.status()
