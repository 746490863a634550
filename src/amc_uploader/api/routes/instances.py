"""AMC instances registered in the settings; saving them rewrites the artifact bucket policy."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response

from amc_uploader.api.deps import Backend, BackendDep, UserDep
from amc_uploader.api.errors import BadRequestError
from amc_uploader.api.models import (
    AmcAccount,
    AmcInstance,
    DiscoveredInstance,
    Discovery,
    InstanceBulkUpdate,
    InstanceList,
)
from amc_uploader.api.policy import apply_bucket_policy, merged_policy, read_policy

router = APIRouter(prefix="/instances", tags=["instances"])
logger = logging.getLogger(__name__)


def _save(backend: Backend, instances: list[AmcInstance], write: Any) -> None:
    """Check the resulting policy first, then store, then write the policy: nothing half-done."""
    s3, bucket = backend.aws.s3, backend.settings.artifact_bucket
    accounts = [i.data_upload_aws_account_id for i in instances]
    merged_policy(read_policy(s3, bucket), bucket, accounts)
    write()
    apply_bucket_policy(s3, bucket, accounts)


@router.get("", response_model=InstanceList, operation_id="listInstances")
def list_instances(backend: BackendDep, user: UserDep) -> InstanceList:
    return InstanceList(items=backend.settings_repo.list_instances())


@router.put("", response_model=InstanceList, operation_id="replaceInstances")
def replace_instances(body: InstanceBulkUpdate, backend: BackendDep, user: UserDep) -> InstanceList:
    """Replace the whole list (import)."""
    ids = [i.instance_id for i in body.items]
    if len(set(ids)) != len(ids):
        raise BadRequestError("Each instance id may appear once.", code="duplicate_instance")
    repo = backend.settings_repo

    def write() -> None:
        for old in repo.list_instances():
            if old.instance_id not in ids:
                repo.delete_instance(old.instance_id)
        for inst in body.items:
            repo.put_instance(inst)

    _save(backend, body.items, write)
    logger.info("instances replaced", extra={"count": len(ids), "user": user.subject})
    return InstanceList(items=repo.list_instances())


@router.post("", response_model=AmcInstance, status_code=201, operation_id="createInstance")
def create_instance(body: AmcInstance, backend: BackendDep, user: UserDep) -> AmcInstance:
    repo = backend.settings_repo
    others = repo.list_instances()
    _save(backend, [*others, body], lambda: repo.put_instance(body, new_only=True))
    logger.info("instance registered", extra={"instance_id": body.instance_id, "user": user.subject})
    return body


@router.get("/discover", response_model=Discovery, operation_id="discoverInstances")
def discover(backend: BackendDep, user: UserDep) -> Discovery:
    """Accounts and instances of the connected Amazon Ads login, prefilled for registration."""
    registered = {i.instance_id for i in backend.settings_repo.list_instances()}
    accounts_raw = backend.amc.list_accounts()
    accounts = [
        AmcAccount(
            account_id=str(a.get("accountId", "")),
            account_name=a.get("accountName"),
            marketplace_id=a.get("marketplaceId"),
        )
        for a in accounts_raw
    ]
    found: list[DiscoveredInstance] = []
    for raw, acc in zip(accounts_raw, accounts, strict=True):
        for inst in backend.amc.list_instances(raw):
            iid = str(inst.get("instanceId", ""))
            if not iid:
                continue
            found.append(
                DiscoveredInstance(
                    instance_id=iid,
                    instance_name=inst.get("instanceName"),
                    advertiser_id=acc.account_id,
                    marketplace_id=acc.marketplace_id,
                    data_upload_aws_account_id=inst.get("dataUploadAwsAccountId"),
                    instance_type=inst.get("instanceType"),
                    creation_status=inst.get("creationStatus"),
                    registered=iid in registered,
                )
            )
    return Discovery(accounts=accounts, instances=found)


@router.get("/{instance_id}", response_model=AmcInstance, operation_id="getInstance")
def get_instance(instance_id: str, backend: BackendDep, user: UserDep) -> AmcInstance:
    return backend.settings_repo.get_instance(instance_id)


@router.put("/{instance_id}", response_model=AmcInstance, operation_id="updateInstance")
def update_instance(instance_id: str, body: AmcInstance, backend: BackendDep, user: UserDep) -> AmcInstance:
    if body.instance_id != instance_id:
        raise BadRequestError("The instance id in the path and the body differ.", code="id_mismatch")
    repo = backend.settings_repo
    repo.get_instance(instance_id)
    others = [i for i in repo.list_instances() if i.instance_id != instance_id]
    _save(backend, [*others, body], lambda: repo.put_instance(body))
    logger.info("instance updated", extra={"instance_id": instance_id, "user": user.subject})
    return body


@router.delete("/{instance_id}", status_code=204, response_class=Response, operation_id="deleteInstance")
def delete_instance(instance_id: str, backend: BackendDep, user: UserDep) -> Response:
    repo = backend.settings_repo
    repo.get_instance(instance_id)
    others = [i for i in repo.list_instances() if i.instance_id != instance_id]
    _save(backend, others, lambda: repo.delete_instance(instance_id))
    logger.info("instance removed", extra={"instance_id": instance_id, "user": user.subject})
    return Response(status_code=204)
