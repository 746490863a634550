"""The backend's object graph (built once per process) and the FastAPI dependencies over it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from amc_uploader.api.auth import CognitoVerifier, JwksCache, Principal, require_admin
from amc_uploader.api.aws import AwsClients
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.errors import UnauthorizedError
from amc_uploader.api.repositories import (
    CredentialRepository,
    JobRepository,
    SettingsRepository,
    TriggerRepository,
)

if TYPE_CHECKING:
    from amc_uploader.api.ports import AmcGateway, JobRunner
    from amc_uploader.api.service import JobService


@dataclass
class Backend:
    settings: ApiSettings
    aws: AwsClients
    settings_repo: SettingsRepository
    jobs_repo: JobRepository
    triggers_repo: TriggerRepository
    credentials: CredentialRepository
    verifier: CognitoVerifier
    amc: AmcGateway
    runner: JobRunner
    jobs: JobService


def build_backend(
    settings: ApiSettings,
    *,
    aws: AwsClients | None = None,
    amc: AmcGateway | None = None,
    runner: JobRunner | None = None,
    local_queue_delay: float = 0.0,
) -> Backend:
    """Wire repositories, the AMC gateway, the staging target, the job runner and the job service from
    settings. Without a runner: Glue when `glue_job_name` is set, else the service's in-process worker."""
    from amc_uploader.api.amc_gateway import ClientAmcGateway
    from amc_uploader.api.runners import GlueJobRunner
    from amc_uploader.api.service import JobService
    from amc_uploader.job.s3_target import S3Target

    aws = aws or AwsClients(region=settings.cognito_region, endpoint_url=settings.aws_endpoint_url)
    settings_repo = SettingsRepository(aws.dynamodb, settings.settings_table)
    jobs_repo = JobRepository(aws.dynamodb, settings.jobs_table)
    triggers_repo = TriggerRepository(aws.dynamodb, settings.triggers_table)
    credentials = CredentialRepository(aws.secrets, settings.lwa_secret_id)
    verifier = CognitoVerifier(
        issuer=settings.cognito_issuer,
        client_id=settings.cognito_client_id,
        jwks=JwksCache(settings.jwks_url),
        admin_group=settings.admin_group,
    )
    gateway: AmcGateway = amc or ClientAmcGateway(settings, credentials, aws.secrets)
    service = JobService(
        settings=settings,
        aws=aws,
        jobs_repo=jobs_repo,
        settings_repo=settings_repo,
        triggers_repo=triggers_repo,
        amc=gateway,
        staging=S3Target(settings.artifact_bucket, client=aws.s3),
        runner=runner or (GlueJobRunner(settings, aws) if settings.glue_job_name else None),
        local_queue_delay=local_queue_delay,
    )
    return Backend(
        settings=settings,
        aws=aws,
        settings_repo=settings_repo,
        jobs_repo=jobs_repo,
        triggers_repo=triggers_repo,
        credentials=credentials,
        verifier=verifier,
        amc=gateway,
        runner=service.runner,
        jobs=service,
    )


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


_bearer = HTTPBearer(auto_error=False, description="Cognito ID or access token")

BackendDep = Annotated[Backend, Depends(get_backend)]


def current_user(
    backend: BackendDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UnauthorizedError()
    return backend.verifier.verify(credentials.credentials)


def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    return require_admin(user)


UserDep = Annotated[Principal, Depends(current_user)]
AdminDep = Annotated[Principal, Depends(admin_user)]
