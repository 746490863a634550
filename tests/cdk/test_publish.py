"""The one-click template (`deploy/build.sh --publish` -> deploy/cdk/publish.py): launches from the
CloudFormation console without CDK bootstrap, every asset it names is in its assets folder, and it is the
stack `cdk deploy` creates apart from where the assets live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import CDK_DIR, OFFLINE_ENV, REPO_ROOT, Synth
from .test_cfn_lint import IGNORED_WARNINGS, run_cfn_lint
from .upgrade import load_previous, upgrade_problems

BUCKET = "acme-amc-assets"
PREFIX = "amc-uploader/1.0/"
REGION = "eu-west-1"
BOOTSTRAP_TRACES = ("BootstrapVersion", "cdk-bootstrap", "hnb659fds", "CheckBootstrapVersion")


@dataclass
class Published:
    out: Path
    template: dict[str, Any]
    stdout: str


@pytest.fixture(scope="session")
def published(build_paths: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    out = tmp_path_factory.mktemp("publish") / "publish"
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("CDK_OUTDIR", None)
    env.pop("CDK_CONTEXT_JSON", None)
    proc = subprocess.run(
        [
            sys.executable,
            str(CDK_DIR / "publish.py"),
            "--out",
            str(out),
            "--bucket",
            BUCKET,
            "--prefix",
            PREFIX,
            "--region",
            REGION,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"deploy/cdk/publish.py failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    yield Published(out=out, template=json.loads((out / "template.json").read_text()), stdout=proc.stdout)


def asset_keys(value: Any) -> set[str]:
    """Every `<AssetPrefix> + key` the template builds (Lambda code, layers, BucketDeployment sources)."""
    found: set[str] = set()
    if isinstance(value, dict):
        join = value.get("Fn::Join")
        if join and join[1] and join[1][0] == {"Ref": "AssetPrefix"}:
            assert len(join[1]) == 2 and join[0] == "", join
            found.add(join[1][1])
        for item in value.values():
            found |= asset_keys(item)
    elif isinstance(value, list):
        for item in value:
            found |= asset_keys(item)
    return found


def test_published_template_needs_no_cdk_bootstrap(published: Published) -> None:
    template = published.template
    assert set(template["Parameters"]) == {"DataBucketName", "AdminEmail", "AssetBucketName", "AssetPrefix"}
    assert "Rules" not in template
    text = json.dumps(template)
    for trace in BOOTSTRAP_TRACES:
        assert trace not in text, trace
    assert "AWS::SSM::Parameter::Value" not in text  # no SSM lookup of the bootstrap version
    code = [
        r["Properties"].get("Code") or r["Properties"]["Content"]
        for r in template["Resources"].values()
        if r["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion")
    ]
    from_s3 = [c for c in code if "ZipFile" not in c]
    assert from_s3
    for location in from_s3:
        assert location["S3Bucket"] == {"Ref": "AssetBucketName"}
    for deployment in (
        r for r in template["Resources"].values() if r["Type"] == "Custom::CDKBucketDeployment"
    ):
        buckets = deployment["Properties"]["SourceBucketNames"]
        assert buckets and all(b == {"Ref": "AssetBucketName"} for b in buckets)
    prefix = template["Parameters"]["AssetPrefix"]
    assert prefix["Default"] == ""


def test_every_asset_the_template_names_is_in_the_assets_folder(published: Published) -> None:
    keys = asset_keys(published.template["Resources"])
    assert keys, "no asset references found"
    shipped = {p.relative_to(published.out).as_posix() for p in (published.out / "assets").iterdir()}
    assert keys == shipped  # nothing missing, nothing extra
    contents = {}
    for key in keys:
        with zipfile.ZipFile(published.out / key) as zf:
            assert zf.testzip() is None, key
            contents[key] = set(zf.namelist())
    # The Lambda bundle (handlers at the root), the Glue files, the web app are among them.
    assert any({"api.py", "uploader.py", "amc_uploader/__init__.py"} <= names for names in contents.values())
    glue = next(names for names in contents.values() if "amc_transformations.py" in names)
    assert any(n.startswith("wheels/amc_uploader-") and n.endswith(".whl") for n in glue)
    assert any("index.html" in names for names in contents.values())


def test_published_template_is_cfn_lint_clean(published: Published) -> None:
    findings = run_cfn_lint(published.out / "template.json")
    assert [f for f in findings if f["Level"] == "Error"] == []
    unexpected = [
        f"{f['Rule']['Id']}: {f['Message']}"  # type: ignore[index]
        for f in findings
        if f["Level"] == "Warning" and f["Rule"]["Id"] not in IGNORED_WARNINGS  # type: ignore[index]
    ]
    assert unexpected == []


def test_published_stack_is_the_cdk_deploy_stack(published: Published, synth: Synth) -> None:
    """Same resources under the same logical ids: a stack launched from the console upgrades like a
    `cdk deploy` one, and no stateful resource of the previous release is replaced."""
    normal = {k: r["Type"] for k, r in synth.template["Resources"].items()}
    assert {k: r["Type"] for k, r in published.template["Resources"].items()} == normal
    assert upgrade_problems(load_previous(), published.template) == []
    # `cdk deploy` keeps the default synthesizer: bootstrap bucket, version check.
    assert "BootstrapVersion" in synth.template["Parameters"]
    assert "AssetBucketName" not in synth.template["Parameters"]


def test_publish_prints_the_copy_command_and_the_launch_link(published: Published) -> None:
    out = published.stdout
    assert f"aws s3 sync {published.out} s3://{BUCKET}/{PREFIX} --region {REGION}" in out
    template_url = f"https://{BUCKET}.s3.{REGION}.amazonaws.com/{PREFIX}template.json"
    assert (
        f"https://{REGION}.console.aws.amazon.com/cloudformation/home?region={REGION}"
        f"#/stacks/create/review?templateURL={template_url}&stackName=AmcUploader"
        f"&param_AssetBucketName={BUCKET}&param_AssetPrefix={PREFIX}"
    ) in out
    assert "--capabilities CAPABILITY_IAM" in out


def test_launch_instructions_for_the_bucket_root() -> None:
    from amc_infra.publish import launch_instructions

    text = launch_instructions(
        Path("publish"), bucket="b-assets", prefix="", region="us-west-2", stack_name="S"
    )
    assert "aws s3 sync publish s3://b-assets/ --region us-west-2" in text
    assert "templateURL=https://b-assets.s3.us-west-2.amazonaws.com/template.json&stackName=S" in text
    assert "ParameterKey=AssetPrefix" not in text  # the parameter's default (empty) applies


def test_directory_assets_zip_to_the_same_bytes_every_time(tmp_path: Path) -> None:
    from amc_infra.publish import PublishedAsset, copy_assets

    source = tmp_path / "asset.abc"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "mod.py").write_text("x = 1\n")
    (source / "handler.py").write_text("def handler(event, context):\n    return None\n")
    assets = {"abc": PublishedAsset(source="asset.abc", key="assets/abc.zip", zipped=True)}
    first = copy_assets(tmp_path, assets, tmp_path / "one")[0].read_bytes()
    os.utime(source / "handler.py", (0, 0))
    second = copy_assets(tmp_path, assets, tmp_path / "two")[0].read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "one" / "assets" / "abc.zip") as zf:
        assert zf.namelist() == ["handler.py", "pkg/mod.py"]
