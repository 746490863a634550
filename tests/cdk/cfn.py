"""Helpers for reading synthesized CloudFormation in tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def render(value: Any) -> str:
    """An intrinsic as readable text: Ref -> <Id>, GetAtt -> <Id.Attr>, Join/Sub flattened."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return f"<{arg}>"
        if fn == "Fn::GetAtt":
            return f"<{arg[0]}.{arg[1]}>"
        if fn == "Fn::Join":
            sep, parts = arg
            return sep.join(render(p) for p in parts)
        if fn == "Fn::Sub":
            return arg if isinstance(arg, str) else arg[0]
        if fn == "Fn::Select":
            return f"<select {arg[0]} of {render(arg[1])}>"
        if fn == "Fn::Split":
            return f"<split {arg[0]} {render(arg[1])}>"
    return repr(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical id, kind, statement) for every statement of every policy document in the template."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        docs = []
        if kind in (
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::S3::BucketPolicy",
            "AWS::SQS::QueuePolicy",
        ):
            docs.append(props["PolicyDocument"])
        elif kind == "AWS::IAM::Role":
            docs.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        elif kind == "AWS::KMS::Key":
            docs.append(props["KeyPolicy"])
        for doc in docs:
            for statement in doc["Statement"]:
                yield logical_id, kind, statement


def policy_roles(template: dict[str, Any], policy_id: str) -> list[str]:
    """Logical ids of the roles an AWS::IAM::Policy is attached to."""
    props = template["Resources"][policy_id]["Properties"]
    return [r["Ref"] for r in props.get("Roles", []) if isinstance(r, dict) and "Ref" in r]
