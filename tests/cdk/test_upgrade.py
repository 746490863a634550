"""Upgrading in place: deploying this template over the previous release's replaces or deletes no
stateful resource, and the AMC grant is restored by the stack itself after every policy rewrite."""

from __future__ import annotations

import copy
import json
from typing import Any

from .cfn import render
from .conftest import Synth
from .upgrade import STATEFUL_TYPES, load_previous, stateful, upgrade_problems


def _rendered(value: Any) -> Any:
    """A template value with every intrinsic rendered as text (as `render` does inside a JSON string)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return render(value)
        return {k: _rendered(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rendered(v) for v in value]
    return value


def test_previous_release_covers_every_stateful_type() -> None:
    previous = load_previous()
    assert {r["Type"] for r in stateful(previous).values()} == set(STATEFUL_TYPES)


def test_upgrade_from_previous_release_keeps_every_stateful_resource(synth: Synth) -> None:
    assert upgrade_problems(load_previous(), synth.template) == []


def test_upgrade_check_catches_replacement_removal_and_missing_retain(synth: Synth) -> None:
    previous = load_previous()
    ids = {r["Type"]: k for k, r in stateful(previous).items()}
    cases: dict[str, Any] = {
        "removed": lambda t: t["Resources"].pop(ids["AWS::DynamoDB::Table"]),
        "retyped": lambda t: t["Resources"][ids["AWS::SecretsManager::Secret"]].update(
            Type="AWS::SSM::Parameter"
        ),
        "key schema": lambda t: t["Resources"][ids["AWS::DynamoDB::Table"]]["Properties"][
            "KeySchema"
        ].reverse(),
        "bucket name": lambda t: t["Resources"][ids["AWS::S3::Bucket"]]["Properties"].update(
            BucketName="renamed"
        ),
        "sign-in": lambda t: t["Resources"][ids["AWS::Cognito::UserPool"]]["Properties"].update(
            UsernameAttributes=["phone_number"]
        ),
        "key spec": lambda t: t["Resources"][ids["AWS::KMS::Key"]]["Properties"].update(KeySpec="RSA_2048"),
        "not retained": lambda t: t["Resources"][ids["AWS::Logs::LogGroup"]].update(DeletionPolicy="Delete"),
    }
    for name, change in cases.items():
        current = copy.deepcopy(synth.template)
        change(current)
        assert upgrade_problems(previous, current), name


def test_grants_are_restored_right_after_the_artifacts_bucket_policy(synth: Synth) -> None:
    resources = synth.template["Resources"]
    (restore_id,) = [k for k, r in resources.items() if r["Type"] == "Custom::AmcDataUploadGrants"]
    restore = resources[restore_id]
    policy_id = next(
        k
        for k, r in resources.items()
        if r["Type"] == "AWS::S3::BucketPolicy" and "Artifacts" in render(r["Properties"]["Bucket"])
    )
    # Runs after CloudFormation wrote the policy, and again whenever the template's policy changes.
    assert policy_id in restore["DependsOn"]
    props = restore["Properties"]
    assert render(props["BucketName"]) == render(resources[policy_id]["Properties"]["Bucket"])
    document = resources[policy_id]["Properties"]["PolicyDocument"]
    assert json.loads(render(props["StackPolicy"])) == _rendered(document)
    handler = resources[props["ServiceToken"]["Fn::GetAtt"][0]]["Properties"]
    assert handler["Handler"] == "grants.handler"
    assert set(handler["Environment"]["Variables"]) == {
        "AMC_SETTINGS_TABLE",
        "AMC_ARTIFACT_BUCKET",
        "AMC_COGNITO_REGION",
    }
