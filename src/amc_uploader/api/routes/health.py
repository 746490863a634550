from __future__ import annotations

from fastapi import APIRouter

from amc_normalize.reasons import REASONS
from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.models import Health, Me, Reason, Reasons, Version

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, operation_id="getHealth")
def health(backend: BackendDep) -> Health:
    """Unauthenticated liveness check."""
    return Health(version=backend.settings.version, local_mode=backend.settings.local_mode)


@router.get("/version", response_model=Version, operation_id="getVersion")
def version(backend: BackendDep, user: UserDep) -> Version:
    return Version(version=backend.settings.version)


@router.get("/me", response_model=Me, operation_id="getMe")
def me(user: UserDep) -> Me:
    """The signed-in user and whether they administer settings."""
    return Me(username=user.username, subject=user.subject, groups=list(user.groups), is_admin=user.is_admin)


@router.get("/reasons", response_model=Reasons, operation_id="getReasons")
def reasons(user: UserDep) -> Reasons:
    """Every reason code a report can carry, with the sentence the web app shows for it."""
    return Reasons(reasons=[Reason(code=code, text=text) for code, text in REASONS.items()])
