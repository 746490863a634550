"""The Docker-free build output, the build script's re-run, and the offline synth from the build output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path
from typing import Any

from .conftest import CDK_DIR, REPO_ROOT, STACK_NAME, Synth

LAMBDA_LIMIT_BYTES = 250 * 1024 * 1024
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_build(root: Path, timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(root / "deploy" / "build.sh"), "--skip-web"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, time.monotonic() - started


def test_build_rerun_is_idempotent_and_fast(build_paths: Any, tmp_path: Path) -> None:
    """In a snapshot of the build inputs and output (teammates may edit src/ meanwhile): the first run
    catches up with the snapshot, reusing the cached dependency sets; the second changes nothing."""
    root = tmp_path / "repo"
    for rel in (
        "pyproject.toml",
        "README.md",
        "src",
        "glue_entry",
        "deploy/lambdas",
        "deploy/build.sh",
        "deploy/build",
        "deploy/cdk/amc_infra/paths.py",
    ):
        source = REPO_ROOT / rel
        if source.is_dir():
            shutil.copytree(
                source, root / rel, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        elif source.exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / rel)
    first, _ = run_build(root, timeout=900)
    assert "lambda deps: installing" not in first.stderr  # dependency sets come from the cache
    assert "glue deps: downloading" not in first.stderr
    again, elapsed = run_build(root, timeout=120)
    for step in ("library wheel", "lambda bundle", "glue files"):
        assert f"{step}: up to date" in again.stderr
    assert "unzipped (limit 250M)" in again.stderr  # sizes are printed
    assert elapsed < 10
    # The standalone Glue job's module list: printed and written, library wheel first.
    wheels = sorted((root / "deploy/build/glue/wheels").glob("*.whl"))
    modules = (root / "deploy/build/glue-job/additional-python-modules.txt").read_text().strip()
    assert modules in again.stderr
    uris = modules.split(",")
    assert uris[0].startswith("s3://YOUR_BUCKET/glue/wheels/amc_uploader-")
    assert sorted(uris) == sorted(f"s3://YOUR_BUCKET/glue/wheels/{w.name}" for w in wheels)


def test_build_refuses_publish_options_without_publish() -> None:
    proc = subprocess.run(
        [str(REPO_ROOT / "deploy" / "build.sh"), "--bucket", "my-assets"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--publish" in proc.stderr


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
    dev_only_parts = ("amc_sandbox", "typer", "rich", "pygments", "moto")
    for dev_only in (*dev_only_parts, "amc_uploader/commands", "amc_uploader/local"):
        assert not (bundle / dev_only).exists(), f"{dev_only} is for development and the CLI, not for Lambda"
    assert tree_size(bundle) < LAMBDA_LIMIT_BYTES
    for handler in (REPO_ROOT / "deploy" / "lambdas").glob("*.py"):
        assert (bundle / handler.name).read_bytes() == handler.read_bytes(), handler.name


def test_glue_wheels_target_python311_and_include_the_library(build_paths: Any) -> None:
    wheels = build_paths.glue_wheels
    assert wheels[0].startswith("amc_uploader-")
    names = {w.split("-")[0].lower() for w in wheels}
    assert {"phonenumberslite", "pydantic", "pydantic_core"} <= names
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


def test_app_synthesizes_offline_from_the_build_output(synth: Synth) -> None:
    """The command other checks rely on (run by the `synth` fixture): `.venv/bin/python deploy/cdk/app.py`
    from the repository root, network unreachable, writes the cloud assembly to deploy/cdk/cdk.out/."""
    assert synth.outdir == CDK_DIR / "cdk.out"
    assert (synth.outdir / "manifest.json").is_file()
    assets = json.loads((synth.outdir / f"{STACK_NAME}.assets.json").read_text())
    staged = {a["source"]["path"] for a in assets["files"].values() if a["source"].get("packaging") == "zip"}
    assert len(staged) >= 3  # the Lambda bundle, the Glue files, the web app (+ CDK's own providers)
    for path in staged:
        assert (synth.outdir / path).exists(), path
    assert "!!" not in synth.stderr  # the Node end-of-life banner is silenced


def make_build(root: Path, *, web_dist: bool) -> None:
    build = root / "deploy" / "build"
    (build / "lambda").mkdir(parents=True)
    (build / "glue" / "wheels").mkdir(parents=True)
    (build / "glue" / "amc_transformations.py").write_text("")
    for wheel in ("zzz-1.0-py3-none-any.whl", "amc_uploader-0.1.0-py3-none-any.whl"):
        (build / "glue" / "wheels" / wheel).write_bytes(b"")
    (build / "web-placeholder").mkdir()
    (build / "web-placeholder" / "index.html").write_text("placeholder")
    if web_dist:
        (root / "web" / "dist").mkdir(parents=True)
        (root / "web" / "dist" / "index.html").write_text("app")


def test_build_paths_prefer_the_built_web_app_over_the_placeholder(tmp_path: Path) -> None:
    from amc_infra.paths import BuildPaths

    make_build(tmp_path / "without", web_dist=False)
    make_build(tmp_path / "with", web_dist=True)
    assert (
        BuildPaths.from_repo(tmp_path / "without").web_dir
        == tmp_path / "without/deploy/build/web-placeholder"
    )
    paths = BuildPaths.from_repo(tmp_path / "with")
    assert paths.web_dir == tmp_path / "with/web/dist"
    assert paths.glue_wheels == ["amc_uploader-0.1.0-py3-none-any.whl", "zzz-1.0-py3-none-any.whl"]


def test_build_paths_name_the_build_script_when_output_is_missing(tmp_path: Path) -> None:
    from amc_infra.paths import BuildOutputMissingError, BuildPaths

    try:
        BuildPaths.from_repo(tmp_path)
    except BuildOutputMissingError as exc:
        assert "deploy/build.sh" in str(exc)
        assert "lambda" in str(exc)
    else:
        raise AssertionError("missing build output was not reported")


def test_lambda_bundle_alone_imports_the_handlers_and_answers_health(build_paths: Any) -> None:
    handlers = sorted(p.stem for p in (REPO_ROOT / "deploy" / "lambdas").glob("*.py"))
    assert handlers, "deploy/lambdas/*.py missing (owned by the backend); nothing to check"
    site = sysconfig.get_paths()["purelib"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AMC_COGNITO_USER_POOL_ID": "us-east-1_smoke",
        "AMC_COGNITO_REGION": "us-east-1",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(Path(__file__).with_name("bundle_smoke.py")),
            str(build_paths.lambda_dir),
            site,
            *handlers,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=build_paths.lambda_dir,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["imported"] == handlers
    assert (
        result["outside_bundle"] == []
    )  # nothing but the runtime's boto3 and native builds came from the venv
    if "api" in handlers:
        assert result["health"]["status"] == 200


# What AWS Glue 5.0 ships that our wheels may depend on (boto3 and its dependencies).
GLUE_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}


def test_glue_wheel_set_is_closed_under_its_requirements(build_paths: Any) -> None:
    """Every requirement of every wheel (Python 3.11 on Linux) is in the set or in Glue 5.0 itself, so
    `--additional-python-modules` never has to reach PyPI for a missing dependency."""
    from email.parser import Parser

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    environment = {
        "python_version": "3.11",
        "python_full_version": "3.11.9",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "posix",
        "extra": "",
    }
    wheel_dir = build_paths.glue_dir / "wheels"
    present = {canonicalize_name(w.split("-")[0]) for w in build_paths.glue_wheels}
    missing = set()
    for wheel in build_paths.glue_wheels:
        with zipfile.ZipFile(wheel_dir / wheel) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            message = Parser().parsestr(zf.read(meta).decode())
        for line in message.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate(environment):
                continue
            name = canonicalize_name(req.name)
            if name not in present and name not in GLUE_PROVIDED:
                missing.add(f"{wheel}: {req}")
    assert missing == set()
