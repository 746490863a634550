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
    # The uploader's dead-letter queue: manifest events whose upload failed, still to be redriven.
    "AWS::SQS::Queue",
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
    "AWS::SQS::Queue": {"QueueName", "FifoQueue"},
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


def grant_resources(bundle_dir: Path) -> dict[str, Any]:
    """The artifacts bucket, its policy and the restore resource as the app's constructs synthesize them
    (a small stack of the Keys, Storage and DataUploadGrants units; `bundle_dir` stands in for the bundle)."""
    import os
    import sys

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    cdk_dir = Path(__file__).resolve().parents[2] / "deploy" / "cdk"
    if str(cdk_dir) not in sys.path:
        sys.path.insert(0, str(cdk_dir))
    import aws_cdk as cdk
    from amc_infra.grants import DataUploadGrants
    from amc_infra.keys import Keys
    from amc_infra.storage import Storage
    from aws_cdk.assertions import Template

    stack = cdk.Stack(cdk.App(), "Upgrade")
    keys = Keys(stack, "Keys")
    storage = Storage(stack, "Storage", data_bucket_name="source-data")
    DataUploadGrants(
        stack, "Grants", bundle_dir=bundle_dir, key=keys.key, bucket=storage.artifacts_bucket, environment={}
    )
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


def resolve(value: Any, names: dict[str, str]) -> Any:
    """A template value as CloudFormation would pass it, for buckets named by `names` (logical id -> name):
    Ref -> the name, GetAtt Arn -> the bucket ARN, Fn::Join joined."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in names:
        return names[value["Ref"]]
    if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][1] == "Arn":
        return f"arn:aws:s3:::{names[value['Fn::GetAtt'][0]]}"
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p, names)) for p in parts)
    return {k: resolve(v, names) for k, v in value.items()}
