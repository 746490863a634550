"""CDK app entry: `.venv/bin/python deploy/cdk/app.py` (from the repository root, after deploy/build.sh)
writes the cloud assembly to deploy/cdk/cdk.out/; `npx cdk synth` / `cdk deploy` from deploy/cdk/ work too.

Context (cdk.json or `-c key=value`): dataBucketName, adminEmail (prefill the CloudFormation parameters
DataBucketName and AdminEmail), customerKmsKeyArn, amcRegion (NA|EU|FE), threatProtection (true|false),
authDomainPrefix, webDomainName + webCertificateArn (ACM in us-east-1), dataBucketTriggers (true|false:
S3 notifications on the data bucket for trigger rules), stackName.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_cdk as cdk
from amc_infra import AmcUploaderStack, BuildPaths, StackConfig
from amc_infra.publish import PublishSynthesizer
from cdk_nag import AwsSolutionsChecks

CDK_DIR = Path(__file__).resolve().parent
DEFAULT_STACK_NAME = "AmcUploader"


def _context_flag(app: cdk.App, key: str, default: bool) -> bool:
    value = app.node.try_get_context(key)
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")


def config_from_context(app: cdk.App) -> StackConfig:
    def text(key: str) -> str | None:
        value = app.node.try_get_context(key)
        return str(value) if value not in (None, "") else None

    return StackConfig(
        data_bucket_name=text("dataBucketName"),
        admin_email=text("adminEmail"),
        customer_kms_key_arn=text("customerKmsKeyArn"),
        amc_region=text("amcRegion") or "NA",
        threat_protection=_context_flag(app, "threatProtection", False),
        auth_domain_prefix=text("authDomainPrefix"),
        web_domain_name=text("webDomainName"),
        web_certificate_arn=text("webCertificateArn"),
        data_bucket_triggers=_context_flag(app, "dataBucketTriggers", False),
    )


def build_app(
    outdir: Path | None = None,
    context: dict[str, object] | None = None,
    synthesizer: PublishSynthesizer | None = None,
) -> cdk.App:
    """The app with cdk-nag AwsSolutions checks as a validation plugin (open findings fail synth).

    Without `synthesizer` the stack uses CDK's default one (`cdk deploy`, bootstrap bucket); with a
    `PublishSynthesizer` it is the one-click template (deploy/cdk/publish.py).
    """
    # The CDK CLI passes its own output directory (CDK_OUTDIR); direct runs write to deploy/cdk/cdk.out.
    if outdir is None and "CDK_OUTDIR" not in os.environ:
        outdir = CDK_DIR / "cdk.out"
    app = cdk.App(outdir=str(outdir) if outdir else None, context=context)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    AmcUploaderStack(
        app,
        str(app.node.try_get_context("stackName") or DEFAULT_STACK_NAME),
        paths=BuildPaths.from_repo(),
        config=config_from_context(app),
        **({"synthesizer": synthesizer} if synthesizer else {}),
    )
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
