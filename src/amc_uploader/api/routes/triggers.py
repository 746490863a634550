"""S3-trigger rules: every new data-bucket object matching prefix and suffix starts the template job."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from amc_uploader.api.deps import BackendDep, UserDep
from amc_uploader.api.models import TriggerRule, TriggerRuleCreate, TriggerRuleList
from amc_uploader.api.repositories import utcnow

router = APIRouter(prefix="/triggers", tags=["triggers"])


@router.get("", response_model=TriggerRuleList, operation_id="listTriggers")
def list_triggers(backend: BackendDep, user: UserDep) -> TriggerRuleList:
    return TriggerRuleList(items=backend.triggers_repo.list())


@router.post("", response_model=TriggerRule, status_code=201, operation_id="createTrigger")
def create_trigger(body: TriggerRuleCreate, backend: BackendDep, user: UserDep) -> TriggerRule:
    for instance_id in body.template.instance_ids:
        backend.settings_repo.get_instance(instance_id)
    rule = TriggerRule(
        **body.model_dump(),
        rule_id=uuid.uuid4().hex[:12],
        bucket=backend.settings.data_bucket,
        created_by=user.subject,
        created_at=utcnow(),
    )
    backend.triggers_repo.put(rule)
    return rule


@router.get("/{rule_id}", response_model=TriggerRule, operation_id="getTrigger")
def get_trigger(rule_id: str, backend: BackendDep, user: UserDep) -> TriggerRule:
    return backend.triggers_repo.get(rule_id)


@router.delete("/{rule_id}", status_code=204, response_class=Response, operation_id="deleteTrigger")
def delete_trigger(rule_id: str, backend: BackendDep, user: UserDep) -> Response:
    backend.triggers_repo.delete(rule_id)
    return Response(status_code=204)
