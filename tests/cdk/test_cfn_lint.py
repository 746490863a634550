"""cfn-lint on the synthesized template: no errors; only the warnings CDK itself causes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import STACK_NAME, Synth

# Warnings caused by CDK's own output, not by our constructs:
IGNORED_WARNINGS = {
    # CDK emits DependsOn on a role/policy that is also referenced by GetAtt (redundant but harmless).
    "W3005",
    # CDK sets AccessControl: LogDeliveryWrite on the logs bucket because CloudFront standard logging
    # still needs ACLs (object-writer ownership).
    "W3045",
}


def run_cfn_lint(template: Path) -> list[dict[str, object]]:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    proc = subprocess.run(
        [str(cfn_lint), "--format", "json", str(template)], capture_output=True, text=True, timeout=180
    )
    assert proc.stdout.strip(), f"cfn-lint produced no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    findings: list[dict[str, object]] = json.loads(proc.stdout)
    return findings


def test_cfn_lint_has_no_errors_and_only_known_warnings(synth: Synth, synth_cmk: Synth) -> None:
    for variant in (synth, synth_cmk):
        findings = run_cfn_lint(variant.outdir / f"{STACK_NAME}.template.json")
        errors = [f for f in findings if f["Level"] == "Error"]
        assert errors == []
        unexpected = [
            f"{f['Rule']['Id']}: {f['Message']}"  # type: ignore[index]
            for f in findings
            if f["Level"] == "Warning" and f["Rule"]["Id"] not in IGNORED_WARNINGS  # type: ignore[index]
        ]
        assert unexpected == []
