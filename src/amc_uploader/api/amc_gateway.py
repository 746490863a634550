"""`AmcGateway` over `amc_client`: builds a client from the stored LWA credentials per call."""

from __future__ import annotations

from typing import Any

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.repositories import CredentialRepository, SettingsRepository


class ClientAmcGateway:
    def __init__(
        self, settings: ApiSettings, credentials: CredentialRepository, settings_repo: SettingsRepository
    ):
        self._settings = settings
        self._credentials = credentials
        self._settings_repo = settings_repo

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError("waiting for amc_client")
