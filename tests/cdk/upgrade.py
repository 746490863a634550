"""What an upgrade must keep: the stateful resources of a template, the properties whose change makes
CloudFormation replace one, and the comparison of a new template with the previous release's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PREVIOUS_TEMPLATE = Path(__file__).with_name("previous_template.json")

# Resource types holding data or identity: replacing or deleting one loses it.
STATEFUL_TYPES = (
    "AWS::S3::Bucket",
    "AWS::DynamoDB::Table",
    "AWS::Cognito::UserPool",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
)
# "Update requires: Replacement" in the CloudFormation reference (kept conservative: a false alarm asks
# for a look, a miss loses data). The registry's create-only properties are added by `replacing_properties`.
REPLACING = {
    "AWS::S3::Bucket": {"BucketName"},
    "AWS::DynamoDB::Table": {"TableName", "KeySchema", "LocalSecondaryIndexes"},
    "AWS::Cognito::UserPool": {"AliasAttributes", "UsernameAttributes", "UsernameConfiguration", "Schema"},
    "AWS::SecretsManager::Secret": {"Name"},
    "AWS::KMS::Key": {"KeySpec", "KeyUsage", "MultiRegion"},
    "AWS::Logs::LogGroup": {"LogGroupName"},
}


def replacing_properties(type_: str) -> set[str]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_).schema
    create_only = {p.split("/")[2] for p in schema.get("createOnlyProperties", []) if p.count("/") == 2}
    return REPLACING.get(type_, set()) | create_only


def load_previous() -> dict[str, Any]:
    template: dict[str, Any] = json.loads(PREVIOUS_TEMPLATE.read_text())
    return template


def stateful(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] in STATEFUL_TYPES}


def upgrade_problems(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Every stateful resource of `previous` that deploying `current` over it would replace or delete,
    and every stateful resource of `current` that a stack deletion or replacement would not keep."""
    problems: list[str] = []
    resources = current["Resources"]
    for logical_id, old in stateful(previous).items():
        new = resources.get(logical_id)
        if new is None:
            problems.append(f"{logical_id} ({old['Type']}): removed (CloudFormation would delete it)")
            continue
        if new["Type"] != old["Type"]:
            problems.append(f"{logical_id}: type {old['Type']} -> {new['Type']} (replaced)")
            continue
        old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
        for name in sorted(replacing_properties(old["Type"])):
            if old_props.get(name) != new_props.get(name):
                problems.append(f"{logical_id}: {name} changed (forces replacement)")
    for logical_id, new in stateful(current).items():
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            if new.get(attribute) != "Retain":
                problems.append(f"{logical_id} ({new['Type']}): {attribute} is not Retain")
    return problems
