"""cdk-nag AwsSolutions: zero open findings; every acknowledgment is used and says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import STACK_NAME, Synth

ACK_TYPE = "aws:cdk:acknowledged-rules"
PACK = "AwsSolutions::"


def nag_report(synth: Synth) -> dict[str, Any]:
    reports = {r["pluginName"]: r for r in synth.validation_report["pluginReports"]}
    report: dict[str, Any] = reports["AwsSolutions"]
    return report


def acknowledgments(synth: Synth) -> list[tuple[str, str, str]]:
    """(construct path, rule id, reason) of our cdk-nag acknowledgments (CDK acknowledges some of its
    own built-in CloudFormation-Validate findings; those are not ours)."""
    metadata = json.loads((synth.outdir / f"{STACK_NAME}.metadata.json").read_text())
    acks = []
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == ACK_TYPE:
                for rule, reason in entry["data"].items():
                    if rule.startswith(PACK):
                        acks.append((path.lstrip("/"), rule, reason))
    return acks


@pytest.mark.parametrize("variant", ["synth", "synth_cmk"])
def test_no_open_findings(variant: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(variant)
    report = nag_report(synth)
    open_findings = [
        f"{v['ruleName']} @ {c['constructPath']}"
        for v in report["violations"]
        for c in v["violatingConstructs"]
    ]
    assert open_findings == []
    assert report["conclusion"] == "success"
    # CDK's own template validation runs in the same pass: nothing open there either.
    assert all(not r["violations"] for r in synth.validation_report["pluginReports"])


@pytest.mark.parametrize("variant", ["synth", "synth_cmk"])
def test_every_acknowledgment_is_used_and_has_a_specific_reason(
    variant: str, request: pytest.FixtureRequest
) -> None:
    synth: Synth = request.getfixturevalue(variant)
    acks = acknowledgments(synth)
    assert acks, "no acknowledgments recorded"
    report = nag_report(synth)
    suppressed = [
        (v["ruleName"], c["constructPath"])
        for v in report["suppressedViolations"]
        for c in v["violatingConstructs"]
    ]
    for path, rule, reason in acks:
        finding = rule.removeprefix(PACK)
        used = [p for r, p in suppressed if r == finding and (p == path or p.startswith(path + "/"))]
        assert used, f"stale acknowledgment {rule} on {path}"
        assert len(reason) >= 60, f"reason too short for {rule} on {path}: {reason!r}"
    # Every suppressed finding is covered by an acknowledgment on it or an ancestor.
    for rule, path in suppressed:
        assert any(
            r.removeprefix(PACK) == rule and (path == p or path.startswith(p + "/")) for p, r, _ in acks
        ), (rule, path)


def test_acknowledged_rules_are_the_expected_ones(synth: Synth) -> None:
    """A new kind of finding must be looked at, not silently acknowledged by a broad rule."""
    rules = {rule.removeprefix(PACK).split("[")[0] for _, rule, _ in acknowledgments(synth)}
    assert rules == {
        "AwsSolutions-SMG4",  # LWA secret: issued by Amazon, not rotatable
        "AwsSolutions-COG2",  # MFA optional by requirement
        "AwsSolutions-COG8",  # threat protection (Plus plan, billed per user) off by default
        "AwsSolutions-L1",  # Python 3.12 bundle; CDK provider runtimes
        "AwsSolutions-APIG3",  # no WAF by default
        "AwsSolutions-APIG4",  # health check
        "AwsSolutions-COG4",  # health check
        "AwsSolutions-CFR1",  # no geo restriction
        "AwsSolutions-CFR2",  # no WAF by default
        "AwsSolutions-CFR4",  # default CloudFront certificate
        "AwsSolutions-IAM4",  # API Gateway logging role; CDK provider roles
        "AwsSolutions-IAM5",  # object-ARN and Glue log-group wildcards (see test_iam.py)
    }
