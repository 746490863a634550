"""Small repositories over DynamoDB and Secrets Manager. Items keep their model as one JSON attribute."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from amc_uploader.api.aws import TTL_ATTRIBUTE
from amc_uploader.api.domain_errors import (
    AlreadyExists,
    ConcurrentChange,
    InstanceNotFound,
    JobInstanceNotFound,
    JobNotFound,
    TriggerNotFound,
)
from amc_uploader.api.models import (
    AmcInstance,
    CredentialStatus,
    Job,
    JobInstance,
    TriggerRule,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Table:
    def __init__(self, client: DynamoDBClient, table: str):
        self._db = client
        self._table = table

    def put(
        self,
        pk: str,
        sk: str,
        data: str,
        *,
        new_only: bool = False,
        extra: dict[str, str | int] | None = None,
    ) -> None:
        item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": data}}
        for k, v in (extra or {}).items():
            item[k] = {"N": str(v)} if isinstance(v, int) else {"S": v}
        kwargs: dict[str, Any] = {"TableName": self._table, "Item": item}
        if new_only:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            self._db.put_item(**kwargs)
        except self._db.exceptions.ConditionalCheckFailedException:
            raise AlreadyExists("The item already exists.") from None

    def put_unless_live(self, pk: str, sk: str, *, expires: int, now: int) -> bool:
        """Write a marker item expiring at `expires` unless one exists that has not expired at `now`."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": pk},
                    "sk": {"S": sk},
                    "data": {"S": "{}"},
                    TTL_ATTRIBUTE: {"N": str(expires)},
                },
                # `ttl` is a DynamoDB reserved word: referenced through a name placeholder.
                ConditionExpression="attribute_not_exists(pk) OR #ttl < :now",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get_rev(self, pk: str, sk: str) -> tuple[str, int] | None:
        out = self._db.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        item = out.get("Item")
        if not item:
            return None
        return item["data"]["S"], int(item.get("rev", {}).get("N", "0"))

    def put_rev(self, pk: str, sk: str, data: str, expected: int) -> bool:
        """Write only if nobody wrote since `expected` was read (optimistic concurrency)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": data}, "rev": {"N": str(expected + 1)}},
                ConditionExpression="attribute_not_exists(rev) OR rev = :rev",
                ExpressionAttributeValues={":rev": {"N": str(expected)}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, pk: str, sk: str) -> str | None:
        out = self._db.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        item = out.get("Item")
        return item["data"]["S"] if item else None

    def delete(self, pk: str, sk: str, *, must_exist: bool = False) -> str | None:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "ReturnValues": "ALL_OLD",
        }
        if must_exist:
            kwargs["ConditionExpression"] = "attribute_exists(pk)"
        try:
            out = self._db.delete_item(**kwargs)
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        old = out.get("Attributes")
        return old["data"]["S"] if old else None

    def query(self, pk: str, sk_prefix: str | None = None) -> list[tuple[str, str]]:
        expr = "pk = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if sk_prefix:
            expr += " AND begins_with(sk, :sk)"
            values[":sk"] = {"S": sk_prefix}
        result: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": expr,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        while True:
            out = self._db.query(**kwargs)
            result.extend((i["sk"]["S"], i["data"]["S"]) for i in out.get("Items", []))
            if "LastEvaluatedKey" not in out:
                return result
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def scan_all(self) -> list[tuple[str, str, str]]:
        kwargs: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        result: list[tuple[str, str, str]] = []
        while True:
            out = self._db.scan(**kwargs)
            result.extend((i["pk"]["S"], i["sk"]["S"], i["data"]["S"]) for i in out.get("Items", []))
            if "LastEvaluatedKey" not in out:
                return result
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]


class AppPreferences(BaseModel):
    allow_sample_values: bool = False
    lwa_scope: str | None = None


class SettingsRepository:
    """Settings table: application preferences, AMC instances and pending OAuth states."""

    def __init__(self, client: DynamoDBClient, table: str):
        self._t = _Table(client, table)

    def preferences(self) -> AppPreferences:
        raw = self._t.get("settings", "app")
        return AppPreferences.model_validate_json(raw) if raw else AppPreferences()

    def save_preferences(self, prefs: AppPreferences) -> None:
        self._t.put("settings", "app", prefs.model_dump_json())

    def list_instances(self) -> list[AmcInstance]:
        return [AmcInstance.model_validate_json(d) for _, d in self._t.query("instance")]

    def get_instance(self, instance_id: str) -> AmcInstance:
        raw = self._t.get("instance", instance_id)
        if raw is None:
            raise InstanceNotFound(instance_id)
        return AmcInstance.model_validate_json(raw)

    def put_instance(self, instance: AmcInstance, *, new_only: bool = False) -> None:
        try:
            self._t.put("instance", instance.instance_id, instance.model_dump_json(), new_only=new_only)
        except AlreadyExists:
            raise AlreadyExists(
                f"AMC instance {instance.instance_id} is already registered.", code="instance_exists"
            ) from None

    def delete_instance(self, instance_id: str) -> None:
        if self._t.delete("instance", instance_id, must_exist=True) is None:
            raise InstanceNotFound(instance_id)

    def save_oauth_state(self, state: str, data: dict[str, Any], ttl_seconds: int) -> None:
        expires = int(time.time()) + ttl_seconds
        payload = json.dumps({**data, "expires_at": expires})
        self._t.put("oauth_state", state, payload, extra={TTL_ATTRIBUTE: expires})

    def consume_oauth_state(self, state: str) -> dict[str, Any] | None:
        """Single use: the state is deleted as it is read; expired states count as absent."""
        raw = self._t.delete("oauth_state", state)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        if int(data.get("expires_at", 0)) < time.time():
            return None
        return data


class JobRepository:
    """Jobs table: item (job_id, "job") holds the job; (job_id, "instance#<id>") the per-instance state."""

    def __init__(self, client: DynamoDBClient, table: str):
        self._t = _Table(client, table)

    def create(self, job: Job) -> None:
        body = job.model_copy(update={"instances": []})
        self._t.put(job.job_id, "job", body.model_dump_json(), new_only=True)
        for inst in job.instances:
            self.put_instance(job.job_id, inst)

    def _assemble(self, job_id: str, items: list[tuple[str, str]]) -> Job | None:
        job_raw = next((d for sk, d in items if sk == "job"), None)
        if job_raw is None:
            return None
        job = Job.model_validate_json(job_raw)
        by_id = {
            sk.removeprefix("instance#"): JobInstance.model_validate_json(d)
            for sk, d in items
            if sk.startswith("instance#")
        }
        ordered = [by_id.pop(i) for i in job.request.instance_ids if i in by_id] + list(by_id.values())
        return job.model_copy(update={"instances": ordered})

    def get(self, job_id: str) -> Job:
        job = self._assemble(job_id, self._t.query(job_id))
        if job is None:
            raise JobNotFound(job_id)
        return job

    def list(self, limit: int = 100) -> list[Job]:
        """Newest first; one scan of the table (heads and instance items), no query per job."""
        by_job: dict[str, list[tuple[str, str]]] = {}
        for pk, sk, data in self._t.scan_all():
            if sk == "job" or sk.startswith("instance#"):
                by_job.setdefault(pk, []).append((sk, data))
        jobs = [job for pk, items in by_job.items() if (job := self._assemble(pk, items)) is not None]
        jobs.sort(key=lambda j: j.created_at, reverse=True)
        return jobs[:limit]

    def update(self, job_id: str, change: Callable[[Job], dict[str, Any] | None]) -> Job:
        """Apply `change` (head -> fields to set, or None for no change) to the job head, re-reading and
        re-applying when another writer (worker, uploader, refresher) got there first."""
        for _ in range(20):
            got = self._t.get_rev(job_id, "job")
            if got is None:
                raise JobNotFound(job_id)
            head = Job.model_validate_json(got[0])
            fields = change(head)
            if not fields:
                return head
            new = head.model_copy(update={**fields, "updated_at": utcnow(), "instances": []})
            if self._t.put_rev(job_id, "job", new.model_dump_json(), got[1]):
                return new
        raise ConcurrentChange(job_id)

    def get_instance(self, job_id: str, instance_id: str) -> JobInstance:
        raw = self._t.get(job_id, f"instance#{instance_id}")
        if raw is None:
            raise JobInstanceNotFound(job_id, instance_id)
        return JobInstance.model_validate_json(raw)

    def update_instance(
        self, job_id: str, instance_id: str, change: Callable[[JobInstance], dict[str, Any] | None]
    ) -> JobInstance | None:
        """Like `update` for one instance item; None when the job has no such instance."""
        sk = f"instance#{instance_id}"
        for _ in range(20):
            got = self._t.get_rev(job_id, sk)
            if got is None:
                return None
            inst = JobInstance.model_validate_json(got[0])
            fields = change(inst)
            if not fields:
                return inst
            new = inst.model_copy(update={**fields, "updated_at": utcnow()})
            if self._t.put_rev(job_id, sk, new.model_dump_json(), got[1]):
                return new
        raise ConcurrentChange(job_id)

    def put_instance(self, job_id: str, inst: JobInstance) -> JobInstance:
        inst = inst.model_copy(update={"updated_at": utcnow()})
        self._t.put(job_id, f"instance#{inst.instance_id}", inst.model_dump_json())
        return inst

    def delete(self, job_id: str) -> None:
        for sk, _ in self._t.query(job_id):
            self._t.delete(job_id, sk)

    def acquire_lease(self, job_id: str, instance_id: str, seconds: int) -> bool:
        """Take the short upload lease of one job instance; False while another holder's is unexpired."""
        now = int(time.time())
        return self._t.put_unless_live(job_id, f"lease#{instance_id}", expires=now + seconds, now=now)

    def release_lease(self, job_id: str, instance_id: str) -> None:
        self._t.delete(job_id, f"lease#{instance_id}")


class TriggerRepository:
    def __init__(self, client: DynamoDBClient, table: str):
        self._t = _Table(client, table)

    def list(self) -> list[TriggerRule]:
        rules = [TriggerRule.model_validate_json(d) for _, d in self._t.query("rule")]
        rules.sort(key=lambda r: r.created_at)
        return rules

    def get(self, rule_id: str) -> TriggerRule:
        raw = self._t.get("rule", rule_id)
        if raw is None:
            raise TriggerNotFound(rule_id)
        return TriggerRule.model_validate_json(raw)

    def put(self, rule: TriggerRule) -> None:
        self._t.put("rule", rule.rule_id, rule.model_dump_json(), new_only=True)

    def delete(self, rule_id: str) -> None:
        if self._t.delete("rule", rule_id, must_exist=True) is None:
            raise TriggerNotFound(rule_id)


class CredentialRepository:
    """The LWA secret (`{"client_id", "client_secret", "refresh_token"}`): written here, read only by the
    AMC client factory; the API exposes whether values are set, never the values."""

    def __init__(self, client: SecretsManagerClient, secret_id: str):
        self._sm = client
        self.secret_id = secret_id

    def read(self) -> dict[str, str]:
        try:
            out = self._sm.get_secret_value(SecretId=self.secret_id)
        except self._sm.exceptions.ResourceNotFoundException:
            return {}
        raw = out.get("SecretString") or "{}"
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        # TOKEN_DELETED: the client library's marker for "consent needed again" (spec A.3).
        return {k: v for k, v in data.items() if isinstance(v, str) and v and v != "TOKEN_DELETED"}

    def _write(self, data: dict[str, str]) -> None:
        body = json.dumps(data)
        try:
            self._sm.put_secret_value(SecretId=self.secret_id, SecretString=body)
        except self._sm.exceptions.ResourceNotFoundException:
            self._sm.create_secret(Name=self.secret_id, SecretString=body)

    def status(self) -> CredentialStatus:
        data = self.read()
        return CredentialStatus(
            client_id_set="client_id" in data,
            client_secret_set="client_secret" in data,
            connected="refresh_token" in data,
        )

    def save_client(self, client_id: str, client_secret: str) -> None:
        # New client credentials invalidate the consent given to the old ones.
        self._write({"client_id": client_id, "client_secret": client_secret})

    def save_refresh_token(self, refresh_token: str) -> None:
        data = self.read()
        data["refresh_token"] = refresh_token
        self._write(data)

    def clear(self) -> None:
        self._write({})
