"""IAM: no statement grants `*` actions; resource wildcards only where the service requires them."""

from __future__ import annotations

import re
from typing import Any

from .cfn import as_list, policy_roles, policy_statements, render
from .conftest import Synth

# Roles whose policies are written in deploy/cdk/amc_infra/stack.py (not CDK's deployment providers).
OUR_ROLES = ("ApiHandlerRole", "UploadUploaderRole", "UploadRefresherRole", "EtlRole")

# Every resource wildcard our roles may use, and why the service needs it.
ALLOWED_RESOURCE_WILDCARDS = {
    r"arn:<AWS::Partition>:s3:::<DataBucketName>/\*": "source files: arbitrary keys in the customer's bucket",
    r"<StorageArtifactsBucket\w+\.Arn>/\*": "the API reads job configs/records/reports (GetObject only)",
    r"<StorageArtifactsBucket\w+\.Arn>/amc/\*": "staged data, manifests and job records are created per job",
    r"<StorageArtifactsBucket\w+\.Arn>/jobs/\*": "one JobConfig JSON per Glue run",
    r"<StorageArtifactsBucket\w+\.Arn>/glue/\*": "Glue entry script and wheels (names change per version)",
    r"arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws-glue/\*": (
        "Glue continuous logging names its log groups/streams itself"
    ),
}
# Actions without resource-level permissions (IAM service authorization reference): "*" is required.
RESOURCE_STAR_ACTIONS = {"cloudwatch:PutMetricData"}


def is_star_action(action: str) -> bool:
    return action == "*" or action.endswith(":*")


def our_policy_statements(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, kind, statement in policy_statements(synth.template):
        if kind != "AWS::IAM::Policy":
            continue
        roles = policy_roles(synth.template, logical_id)
        if any(r.startswith(OUR_ROLES) for r in roles):
            found.append((logical_id, statement))
    return found


def test_no_statement_allows_star_actions(synth: Synth, synth_cmk: Synth) -> None:
    for variant in (synth, synth_cmk):
        for logical_id, kind, statement in policy_statements(variant.template):
            if statement["Effect"] != "Allow":
                continue
            stars = [a for a in as_list(statement["Action"]) if is_star_action(a)]
            if (
                kind == "AWS::KMS::Key"
                and render(statement["Principal"].get("AWS", "")).endswith(":root")
                and "Condition" not in statement
            ):
                # The default key policy: the account's root principal keeps kms:* so IAM policies can
                # govern the key and it can never become unmanageable (AWS KMS default key policy).
                assert stars == ["kms:*"]
                continue
            assert stars == [], (logical_id, statement)


def test_our_roles_list_every_action_and_scope_every_resource(synth: Synth, synth_cmk: Synth) -> None:
    for variant in (synth, synth_cmk):
        statements = our_policy_statements(variant)
        assert len({pid for pid, _ in statements}) == len(OUR_ROLES)
        for policy_id, statement in statements:
            assert statement["Effect"] == "Allow"
            actions = as_list(statement["Action"])
            assert not any("*" in a for a in actions), (policy_id, actions)
            for resource in as_list(statement["Resource"]):
                text = render(resource)
                if text == "*":
                    assert set(actions) <= RESOURCE_STAR_ACTIONS, (policy_id, actions)
                    assert statement.get("Condition"), "resource * must be narrowed by a condition"
                elif "*" in text and not text.endswith(".Arn>"):
                    assert any(re.fullmatch(p, text) for p in ALLOWED_RESOURCE_WILDCARDS), (policy_id, text)


def test_our_roles_have_no_managed_policies(synth: Synth) -> None:
    for logical_id, role in synth.resources("AWS::IAM::Role").items():
        if logical_id.startswith(OUR_ROLES):
            assert "ManagedPolicyArns" not in role["Properties"], logical_id


def test_least_privilege_where_it_matters(synth: Synth) -> None:
    """Spot checks of who may do what (the grants made in the composing stack)."""
    by_role: dict[str, set[str]] = {}
    for policy_id, statement in our_policy_statements(synth):
        (role,) = policy_roles(synth.template, policy_id)
        prefix = next(r for r in OUR_ROLES if role.startswith(r))
        by_role.setdefault(prefix, set()).update(as_list(statement["Action"]))
    assert "s3:PutBucketPolicy" in by_role["ApiHandlerRole"]
    assert "glue:StartJobRun" in by_role["ApiHandlerRole"]
    for role in ("UploadUploaderRole", "UploadRefresherRole", "EtlRole"):
        assert "s3:PutBucketPolicy" not in by_role[role]
        assert "glue:StartJobRun" not in by_role[role]
    assert not any(a.startswith("secretsmanager:") for a in by_role["EtlRole"])
    assert not any(a.startswith("dynamodb:") for a in by_role["EtlRole"])
    assert "s3:PutObject" not in by_role["UploadRefresherRole"]
