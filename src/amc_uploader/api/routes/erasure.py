"""Erasures: send AMC user deletion requests for the people of an uploaded file; follow their statuses."""

from __future__ import annotations

from fastapi import APIRouter

from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.erasure_service import ErasureService
from amc_uploader.api.models import Erasure, ErasureCreate, ErasureList

router = APIRouter(prefix="/erasures", tags=["erasures"])


@router.post("", response_model=Erasure, status_code=201, operation_id="createErasure")
def create_erasure(body: ErasureCreate, backend: BackendDep, user: UserDep) -> Erasure:
    """Hash the file's identifiers (each person by their country's rules) and create the deletion requests
    in the given instances (default: every registered one). Failed requests are in the answer."""
    return ErasureService(backend).create(body, created_by=user.subject)


@router.get("", response_model=ErasureList, operation_id="listErasures")
def list_erasures(backend: BackendDep, user: UserDep) -> ErasureList:
    return ErasureList(items=ErasureService(backend).list())


@router.get("/{erasure_id}", response_model=Erasure, operation_id="getErasure")
def get_erasure(erasure_id: str, backend: BackendDep, user: UserDep) -> Erasure:
    """The erasure; the statuses of requests still PENDING are read from AMC."""
    return ErasureService(backend).get(erasure_id)
