"""The one-click CloudFormation template: `deploy/build.sh --publish` runs this after the build.

    .venv/bin/python deploy/cdk/publish.py [--out deploy/build/publish] [--bucket B] [--prefix P/]
        [--region us-east-1] [-c key=value ...]

writes `<out>/template.json` (no CDK bootstrap needed: the parameters AssetBucketName and AssetPrefix
say where the assets are) and `<out>/assets/<hash>.zip|.json`, then prints the `aws s3 sync` command
and the console launch link. `-c` takes the same context keys as app.py (cdk.json's context applies too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
CDK_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CDK_DIR))

from amc_infra.publish import TEMPLATE_NAME, PublishSynthesizer, copy_assets, launch_instructions  # noqa: E402
from app import DEFAULT_STACK_NAME, build_app  # noqa: E402

DEFAULT_OUT = CDK_DIR.parent / "build" / "publish"


def _context(pairs: list[str]) -> dict[str, object]:
    context: dict[str, object] = json.loads((CDK_DIR / "cdk.json").read_text()).get("context", {})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"publish.py: -c takes key=value, not {pair!r}")
        context[key] = value
    return context


def publish(out: Path, context: dict[str, object]) -> str:
    """Synthesizes the published template into `out` (replacing it); returns the stack name."""
    synthesizer = PublishSynthesizer()
    with tempfile.TemporaryDirectory(prefix="amc-publish-") as assembly_dir:
        app = build_app(outdir=Path(assembly_dir), context=context, synthesizer=synthesizer)
        stack_name = str(app.node.try_get_context("stackName") or DEFAULT_STACK_NAME)
        artifact = app.synth().get_stack_by_name(stack_name)
        staging = out.with_name(out.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        (staging / TEMPLATE_NAME).write_text(json.dumps(artifact.template, indent=1) + "\n")
        copy_assets(Path(assembly_dir), synthesizer.assets, staging)
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return stack_name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--bucket", default="<asset-bucket>", help="only for the printed commands")
    parser.add_argument("--prefix", default="amc-uploader/", help="only for the printed commands")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    prefix = args.prefix if not args.prefix or args.prefix.endswith("/") else args.prefix + "/"
    stack_name = publish(args.out.resolve(), _context(args.context))
    print(
        launch_instructions(
            args.out, bucket=args.bucket, prefix=prefix, region=args.region, stack_name=stack_name
        )
    )


if __name__ == "__main__":
    main()
