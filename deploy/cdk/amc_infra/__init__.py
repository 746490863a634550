"""The AMC Uploader CDK app: one construct per unit, composed in `AmcUploaderStack`."""

from __future__ import annotations

from amc_infra.paths import BuildPaths
from amc_infra.stack import AmcUploaderStack, StackConfig

__all__ = ["AmcUploaderStack", "BuildPaths", "StackConfig"]
