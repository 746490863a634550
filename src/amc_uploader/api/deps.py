"""The backend's object graph (built once per process) and the FastAPI dependencies over it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from amc_uploader.api.auth import CognitoVerifier, JwksCache, Principal, Role, check_role, route_role
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
    request: Request,
    backend: BackendDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UnauthorizedError()
    principal = backend.verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


def _route_paths(app: FastAPI) -> dict[int, str]:
    """Each route object's full path template (router prefixes included), by identity."""
    paths: dict[int, str] = getattr(app.state, "route_paths", {})
    if len(paths) < len(app.routes):
        paths = {id(c.original_route): c.path_format or "" for c in iter_route_contexts(app.routes)}
        app.state.route_paths = paths
    return paths


def authorize(
    request: Request,
    backend: BackendDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """The app-wide guard: the route's role from `auth.ROUTE_ROLES`, checked before the handler runs."""
    route = request.scope.get("route")
    path = _route_paths(request.app).get(id(route)) if route is not None else None
    if path is None:
        # Routes added after the map was built (the local web app is mounted after create_app).
        request.app.state.route_paths = {}
        path = _route_paths(request.app).get(id(route))
    role = route_role(request.method, path) if path is not None else None
    if role is Role.PUBLIC:
        return
    principal = current_user(request, backend, credentials)
    check_role(role, principal)


UserDep = Annotated[Principal, Depends(current_user)]
