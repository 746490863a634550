"""The Docker-free build output, the build script's re-run, and the offline synth from the build output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from .conftest import CDK_DIR, REPO_ROOT, STACK_NAME

LAMBDA_LIMIT_BYTES = 250 * 1024 * 1024
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_build(timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(REPO_ROOT / "deploy" / "build.sh"), "--skip-web"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, time.monotonic() - started


def test_build_rerun_is_idempotent_and_fast() -> None:
    assert os.access(REPO_ROOT / "deploy" / "build.sh", os.X_OK)
    steps = ("library wheel", "lambda bundle", "glue files")
    # In a shared checkout src/ may change between two runs (then the second rebuilds): try a few pairs.
    for _ in range(3):
        run_build(timeout=900)
        again, elapsed = run_build(timeout=900)
        if all(f"{step}: up to date" in again.stderr for step in steps):
            break
    else:
        raise AssertionError(f"second run rebuilt something:\n{again.stderr[-3000:]}")
    assert "unzipped (limit 250M)" in again.stderr  # sizes are printed
    assert elapsed < 10


def test_build_rejects_unknown_arguments() -> None:
    proc = subprocess.run(
        [str(REPO_ROOT / "deploy" / "build.sh"), "--nope"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "usage" in proc.stderr


def test_lambda_bundle_targets_python312_x86_64(build_paths: Any) -> None:
    bundle: Path = build_paths.lambda_dir
    for package in ("amc_uploader", "amc_client", "amc_normalize", "fastapi", "mangum", "jwt", "pydantic"):
        assert (bundle / package).is_dir(), package
    native = list((bundle / "pydantic_core").glob("_pydantic_core.*.so"))
    assert native and all("cpython-312-x86_64-linux-gnu" in p.name for p in native)
    for package in PROVIDED_BY_RUNTIME:
        assert not (bundle / package).exists(), f"{package} is in the Lambda runtime; do not ship it"
    assert tree_size(bundle) < LAMBDA_LIMIT_BYTES
    for handler in (REPO_ROOT / "deploy" / "lambdas").glob("*.py"):
        assert (bundle / handler.name).read_bytes() == handler.read_bytes(), handler.name


def test_glue_wheels_target_python311_and_include_the_library(build_paths: Any) -> None:
    wheels = build_paths.glue_wheels
    assert wheels[0].startswith("amc_uploader-")
    names = {w.split("-")[0].lower() for w in wheels}
    assert {"phonenumbers", "email_validator", "pydantic", "pydantic_core"} <= names
    assert not names & set(PROVIDED_BY_RUNTIME)
    for wheel in wheels:
        tags = wheel.removesuffix(".whl").split("-")[-3:]
        assert tags[0] in ("py3", "py2.py3", "cp311"), wheel
        assert tags[2] == "any" or ("manylinux" in tags[2] and "x86_64" in tags[2]), wheel
        with zipfile.ZipFile(build_paths.glue_dir / "wheels" / wheel) as zf:
            assert zf.testzip() is None
    entry = REPO_ROOT / "glue_entry" / "amc_transformations.py"
    deployed = build_paths.glue_dir / "amc_transformations.py"
    if entry.exists():
        assert deployed.read_bytes() == entry.read_bytes()
    else:
        assert "SystemExit" in deployed.read_text()  # the stub fails loudly instead of doing nothing


def test_app_synthesizes_offline_from_the_build_output(build_paths: Any) -> None:
    """The command other checks rely on: `.venv/bin/python deploy/cdk/app.py` from the repository root."""
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # Offline: any attempt to reach the network fails.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.pop("CDK_OUTDIR", None)
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "deploy/cdk/app.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = CDK_DIR / "cdk.out"
    template = out / f"{STACK_NAME}.template.json"
    assert template.stat().st_mtime >= started - 1
    assert (out / "manifest.json").is_file()
    assets = (out / f"{STACK_NAME}.assets.json").read_text()
    assert assets.count('"packaging": "zip"') >= 3  # Lambda bundle, Glue files, web app (+ CDK providers)
    assert "!!" not in proc.stderr  # the Node end-of-life banner is silenced
