"""The one-click template: a synthesizer that points every file asset at a bucket the deployer names, and
the copy of the assets under the keys the template expects.

`cdk deploy` keeps the default synthesizer (assets in the CDK bootstrap bucket). The published template
needs no bootstrap: two parameters, `AssetBucketName` and `AssetPrefix`, say where
`aws s3 sync deploy/build/publish s3://<bucket>/<prefix>` put the files; no `BootstrapVersion`
parameter, no SSM lookup, no check rule, no `cdk-hnb659fds-*` bucket or role.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import (
    Aws,
    CfnParameter,
    DockerImageAssetLocation,
    FileAssetLocation,
    FileAssetPackaging,
    Fn,
    ISynthesisSession,
    StackSynthesizer,
)

ASSET_BUCKET_PARAMETER = "AssetBucketName"
ASSET_PREFIX_PARAMETER = "AssetPrefix"
ASSETS_DIR = "assets"
TEMPLATE_NAME = "template.json"
# Empty, or key characters S3 treats as safe ending in "/" (the template appends "assets/<hash>.zip").
PREFIX_PATTERN = r"^([0-9A-Za-z!_.*'()/-]*/)?$"
BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$"


@dataclass(frozen=True)
class PublishedAsset:
    """One file asset: `source` relative to the cloud assembly, `key` under the prefix, `zipped` when
    `source` is a directory the deployment expects as a ZIP file."""

    source: str
    key: str
    zipped: bool


class PublishSynthesizer(StackSynthesizer):
    """File assets at `s3://<AssetBucketName>/<AssetPrefix>assets/<source hash>.<ext>`; no Docker images."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: dict[str, PublishedAsset] = {}
        self._location: tuple[str, str] | None = None

    def _bucket_and_prefix(self) -> tuple[str, str]:
        if self._location is None:
            stack = self._bound_stack
            bucket = CfnParameter(
                stack,
                ASSET_BUCKET_PARAMETER,
                type="String",
                description=(
                    "S3 bucket (in this stack's region) holding the published assets: "
                    "aws s3 sync deploy/build/publish s3://<bucket>/<prefix>"
                ),
                allowed_pattern=BUCKET_PATTERN,
            )
            prefix = CfnParameter(
                stack,
                ASSET_PREFIX_PARAMETER,
                type="String",
                default="",
                description="Key prefix the assets were copied under, ending in / (empty: the bucket root)",
                allowed_pattern=PREFIX_PATTERN,
            )
            self._location = (bucket.value_as_string, prefix.value_as_string)
        return self._location

    def add_file_asset(
        self,
        *,
        source_hash: str,
        deploy_time: bool | None = None,
        display_name: str | None = None,
        executable: Any = None,
        file_name: str | None = None,
        packaging: FileAssetPackaging | None = None,
    ) -> FileAssetLocation:
        if executable or not file_name:
            raise ValueError("the published template takes file and directory assets only")
        zipped = packaging == FileAssetPackaging.ZIP_DIRECTORY
        key = f"{ASSETS_DIR}/{source_hash}{'.zip' if zipped else Path(file_name).suffix}"
        self.assets[source_hash] = PublishedAsset(source=file_name, key=key, zipped=zipped)
        bucket, prefix = self._bucket_and_prefix()
        object_key = Fn.join("", [prefix, key])
        return FileAssetLocation(
            bucket_name=bucket,
            object_key=object_key,
            http_url=Fn.join(
                "", ["https://", bucket, ".s3.", Aws.REGION, ".", Aws.URL_SUFFIX, "/", object_key]
            ),
            s3_object_url=Fn.join("", ["s3://", bucket, "/", object_key]),
        )

    def add_docker_image_asset(self, **_: Any) -> DockerImageAssetLocation:
        raise ValueError("the published template cannot carry Docker image assets")

    def synthesize(self, session: ISynthesisSession) -> None:
        self._synthesize_template(session)
        self._emit_artifact(session)


def _zip_directory(source: Path, target: Path) -> None:
    """A ZIP of `source`'s files, sorted, with fixed timestamps (same input, same bytes)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)


def copy_assets(assembly_dir: Path, assets: dict[str, PublishedAsset], out: Path) -> list[Path]:
    """The files of `assets` from the cloud assembly into `out`, each under its key; returns them."""
    written = []
    for asset in assets.values():
        source = assembly_dir / asset.source
        target = out / asset.key
        target.parent.mkdir(parents=True, exist_ok=True)
        if asset.zipped:
            _zip_directory(source, target)
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def launch_instructions(out: Path, *, bucket: str, prefix: str, region: str, stack_name: str) -> str:
    """The copy command and the CloudFormation console link for `out` published to bucket/prefix."""
    template_url = f"https://{bucket}.s3.{region}.amazonaws.com/{prefix}{TEMPLATE_NAME}"
    prefix_parameter = f"ParameterKey={ASSET_PREFIX_PARAMETER},ParameterValue={prefix} " if prefix else ""
    console = (
        f"https://{region}.console.aws.amazon.com/cloudformation/home?region={region}"
        f"#/stacks/create/review?templateURL={template_url}&stackName={stack_name}"
        f"&param_{ASSET_BUCKET_PARAMETER}={bucket}&param_{ASSET_PREFIX_PARAMETER}={prefix}"
    )
    return "\n".join(
        [
            f"Published template and assets: {out}",
            f"Copy them to the bucket (same region as the stack, {region}):",
            f"  aws s3 sync {out} s3://{bucket}/{prefix} --region {region}",
            "Launch (CloudFormation console; CAPABILITY_IAM is asked for on the review page):",
            f"  {console}",
            "or from the CLI:",
            f"  aws cloudformation create-stack --region {region} --stack-name {stack_name} "
            f"--template-url {template_url} --capabilities CAPABILITY_IAM "
            f"--parameters ParameterKey={ASSET_BUCKET_PARAMETER},ParameterValue={bucket} "
            f"{prefix_parameter}"
            "ParameterKey=DataBucketName,ParameterValue=<source bucket> "
            "ParameterKey=AdminEmail,ParameterValue=<admin e-mail>",
        ]
    )
