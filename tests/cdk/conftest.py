"""CDK test fixtures: the composed app is synthesized once per session (default and customer-key variants)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK_DIR = REPO_ROOT / "deploy" / "cdk"
STACK_NAME = "AmcUploader"
WEB_DOMAIN = "amc.example.com"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:111122223333:certificate/66666666-7777-8888-9999-000000000000"
CUSTOMER_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if str(CDK_DIR) not in sys.path:
    sys.path.insert(0, str(CDK_DIR))


def load_cdk_app() -> ModuleType:
    """deploy/cdk/app.py as a module (its file name is too generic to import by name)."""
    spec = importlib.util.spec_from_file_location("amc_cdk_app", CDK_DIR / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Synth:
    outdir: Path
    template: dict[str, Any]
    stderr: str = ""

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_}

    @property
    def validation_report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return data


@pytest.fixture(scope="session")
def build_paths() -> Any:
    from amc_infra.paths import BuildOutputMissingError, BuildPaths

    try:
        return BuildPaths.from_repo()
    except BuildOutputMissingError as exc:
        pytest.fail(f"{exc} (`./dev test` runs deploy/build.sh before pytest)")


def _synth(outdir: Path, context: dict[str, object]) -> Synth:
    app = load_cdk_app().build_app(outdir=outdir, context=context)
    assembly = app.synth()  # cdk-nag runs here: an open finding raises ValidationFailed
    artifact = assembly.get_stack_by_name(STACK_NAME)
    return Synth(outdir=outdir, template=artifact.template)


OFFLINE_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    # Offline: any attempt to reach the network fails.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="session")
def synth(build_paths: Any) -> Iterator[Synth]:
    """The default stack, synthesized the way other checks do it: `.venv/bin/python deploy/cdk/app.py`
    from the repository root, offline, into deploy/cdk/cdk.out/ (cdk-nag included)."""
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("CDK_OUTDIR", None)
    env.pop("CDK_CONTEXT_JSON", None)
    proc = subprocess.run(
        [sys.executable, "deploy/cdk/app.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"deploy/cdk/app.py failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    outdir = CDK_DIR / "cdk.out"
    template = json.loads((outdir / f"{STACK_NAME}.template.json").read_text())
    yield Synth(outdir=outdir, template=template, stderr=proc.stderr)


@pytest.fixture(scope="session")
def synth_cmk(build_paths: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield _synth(
        tmp_path_factory.mktemp("cdk-cmk"),
        {
            "customerKmsKeyArn": CUSTOMER_KEY_ARN,
            "dataBucketName": "acme-crm-exports",
            "amcRegion": "EU",
            "webDomainName": WEB_DOMAIN,
            "webCertificateArn": CERTIFICATE_ARN,
            "dataBucketTriggers": "true",
            "threatProtection": "false",
        },
    )


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A tiny stand-in Lambda bundle for construct tests (the real one is tested in test_build.py)."""
    for name in ("api", "uploader", "refresher", "grants"):
        (tmp_path / f"{name}.py").write_text("def handler(event, context):\n    return None\n")
    return tmp_path
