"""`AmcGateway` over `amc_client`: one client per process with the LWA credentials from Secrets Manager."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from amc_client import (
    AmcClient,
    AmcSettings,
    ColumnDefinition,
    InstanceClient,
    LwaTokenProvider,
    SecretsManagerCredentialStore,
    build_consent_url,
    build_dataset,
    generate_pkce,
)
from amc_client import Upload as AmcUploadModel
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.domain_errors import InvalidRequest, NotConfigured
from amc_uploader.api.models import AmcInstance, DatasetCreate
from amc_uploader.api.ports import OAuthStart, UploadState
from amc_uploader.api.repositories import CredentialRepository
from amc_uploader.job.record import JobRecord


def _state(u: AmcUploadModel) -> UploadState:
    src = u.data_source
    key = None
    if src is not None:
        key = src.source_manifest_s3_key or src.source_file_s3_key or src.source_s3_prefix
    return UploadState(
        upload_id=u.upload_id,
        status=u.status,
        message=u.message,
        metrics=u.metrics,
        dataset_id=u.data_set_id,
        created_at=u.created_at,
        updated_at=u.updated_at,
        source_bucket=src.source_s3_bucket if src is not None else None,
        source_key=key,
    )


class ClientAmcGateway:
    """Builds the `AmcClient` lazily (access tokens stay cached between requests) and drops it when the
    credentials change."""

    def __init__(self, settings: ApiSettings, credentials: CredentialRepository, secrets_client: Any):
        self._settings = settings
        self._credentials = credentials
        self._store = SecretsManagerCredentialStore(settings.lwa_secret_id, secrets_client)
        self._lock = threading.Lock()
        self._client: AmcClient | None = None

    def _amc_settings(self) -> AmcSettings:
        s = self._settings
        return AmcSettings(
            api_base_url=s.api_base_url,
            lwa_token_url=s.lwa_token_url,
            lwa_consent_url=s.lwa_consent_url,
            lwa_scope=s.lwa_scope,
            lwa_secret_id=s.lwa_secret_id,
            redirect_uri=s.redirect_uri,
            max_attempts=s.amc_max_attempts,
            max_retry_seconds=s.amc_max_retry_seconds,
        )

    def client(self) -> AmcClient:
        with self._lock:
            if self._client is None:
                status = self._credentials.status()
                if not (status.client_id_set and status.client_secret_set):
                    raise NotConfigured("Save the LWA client id and secret in Settings.")
                if not status.connected:
                    raise NotConfigured("Connect to Amazon Ads in Settings first.", code="not_connected")
                settings = self._amc_settings()
                provider = LwaTokenProvider(self._store, token_url=settings.lwa_token_url)
                self._client = AmcClient(settings, token_provider=provider)
            return self._client

    def reset(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None

    def _instance(self, instance: AmcInstance) -> InstanceClient:
        return self.client().for_instance(
            instance.instance_id,
            advertiser_id=instance.advertiser_id,
            marketplace_id=instance.marketplace_id,
            ads_account_id=instance.ads_account_id or None,
        )

    def consent(self, *, redirect_uri: str, state: str, scope: str) -> OAuthStart:
        creds = self._store.load()
        pkce = generate_pkce()
        url = build_consent_url(
            creds.client_id,
            redirect_uri,
            scope=scope,
            state=state,
            code_challenge=pkce.challenge,
            consent_url=self._settings.lwa_consent_url,
        )
        return OAuthStart(url=url, code_verifier=pkce.verifier.get_secret_value())

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> None:
        provider = LwaTokenProvider(self._store, token_url=self._settings.lwa_token_url)
        try:
            provider.exchange_code(code, redirect_uri, code_verifier=code_verifier)
        finally:
            provider.close()
        self.reset()

    def list_accounts(self) -> list[dict[str, Any]]:
        return [a.to_wire() for a in self.client().list_accounts()]

    def list_instances(self, account: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        account = account or {}
        return [
            i.to_wire()
            for i in self.client().list_instances(
                advertiser_id=account.get("accountId"), marketplace_id=account.get("marketplaceId")
            )
        ]

    def list_datasets(self, instance: AmcInstance) -> list[dict[str, Any]]:
        return [d.to_wire() for d in self._instance(instance).list_datasets()]

    def get_dataset(self, instance: AmcInstance, dataset_id: str) -> dict[str, Any]:
        return self._instance(instance).get_dataset(dataset_id).to_wire()

    def create_dataset(self, instance: AmcInstance, request: DatasetCreate) -> dict[str, Any]:
        try:
            columns = self._definitions(request)
        except ValidationError as exc:
            text = "; ".join(str(e.get("msg", "invalid")) for e in exc.errors()[:5])
            raise InvalidRequest(f"Invalid column definition: {text}", code="invalid_dataset") from None
        dataset = build_dataset(
            request.dataset_id,
            columns,
            description=request.description,
            period=request.period.value if request.period else None,
            country_code=str(request.country_code) if request.country_code else None,
            kms_key_arn=self._settings.kms_key_arn,
        )
        return self._instance(instance).create_dataset(dataset).to_wire()

    @staticmethod
    def _definitions(request: DatasetCreate) -> list[ColumnDefinition]:
        return [
            ColumnDefinition.model_validate(
                {
                    "name": c.name,
                    "description": c.description,
                    "data_type": c.data_type.value,
                    "column_type": c.column_type.value,
                    "pii_type": c.pii_type.value if c.pii_type else None,
                    "external_id_type": c.external_id_type.value if c.external_id_type else None,
                    "main_event_time": c.is_main_event_time,
                    "nullable": c.nullable,
                    "consent_type": c.consent_type.value if c.consent_type else None,
                    "country_code_column": c.is_country_code,
                }
            )
            for c in request.columns
        ]

    def delete_dataset(self, instance: AmcInstance, dataset_id: str) -> None:
        self._instance(instance).delete_dataset(dataset_id)

    def list_uploads(self, instance: AmcInstance, dataset_id: str) -> list[UploadState]:
        return [_state(u) for u in self._instance(instance).list_uploads(dataset_id)]

    def find_upload(self, instance: AmcInstance, record: JobRecord) -> str | None:
        upload = self._instance(instance).find_manifest_upload(
            record.dataset_id, record.s3_bucket(), record.manifest_key
        )
        return upload.upload_id if upload is not None else None

    def create_upload(self, instance: AmcInstance, record: JobRecord) -> str:
        return self._instance(instance).create_upload(record.dataset_id, record.upload_request()).upload_id

    def get_upload(self, instance: AmcInstance, dataset_id: str, upload_id: str) -> UploadState:
        return _state(self._instance(instance).get_upload(dataset_id, upload_id))

    def deletion_target(self, instance: AmcInstance) -> InstanceClient:
        return self._instance(instance)
