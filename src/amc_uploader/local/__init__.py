"""The local stack: the whole product on loopback (moto server, AMC sandbox, API, web app)."""

from __future__ import annotations

from amc_uploader.local.bootstrap import StackNames
from amc_uploader.local.stack import AdminLogin, LocalStack, LocalStackError

__all__ = ["AdminLogin", "LocalStack", "LocalStackError", "StackNames"]
