"""Erasure (right to be forgotten): a file of people -> AMC user deletion requests (spec B.13).

``read_identities`` turns the file into hashed identity maps (``identities``); ``submit`` and ``refresh``
create and follow the requests in every instance (``requests``).
"""

from __future__ import annotations

from amc_uploader.erasure.identities import (
    MAX_LISTED_LINES,
    ColumnCounts,
    ErasureConfigError,
    ErasureInput,
    Identity,
    IdentityReport,
    parse_pii,
    read_identities,
)
from amc_uploader.erasure.requests import DeletionRequest, DeletionTarget, ErasureResult, refresh, submit

__all__ = [
    "MAX_LISTED_LINES",
    "ColumnCounts",
    "DeletionRequest",
    "DeletionTarget",
    "ErasureConfigError",
    "ErasureInput",
    "ErasureResult",
    "Identity",
    "IdentityReport",
    "parse_pii",
    "read_identities",
    "refresh",
    "submit",
]
