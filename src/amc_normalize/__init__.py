"""Normalization and SHA-256 hashing of PII exactly as Amazon Marketing Cloud matches it.

The rules are `docs/normalization.md`; every module names the section it implements.
Pure: stdlib + phonenumbers. pandas is imported only by `amc_normalize.pandas`, `amc_normalize.spark` and
`NormalizationReport.to_pandas()`; pyspark only while `amc_normalize.spark` builds a transform.
"""

from __future__ import annotations

from amc_normalize.common import is_prehashed
from amc_normalize.core import (
    classify_missing,
    get_batch_hash_function,
    get_hash_function,
    get_hasher,
    hash_detailed,
    hash_value,
    normalize,
    normalize_detailed,
)
from amc_normalize.errors import (
    NormalizationConfigError,
    SchemaError,
    UnknownPiiTypeError,
    UnsupportedCountryError,
)
from amc_normalize.records import ColumnHasher, ColumnSpec, normalize_records
from amc_normalize.registry import SUPPORTED_COUNTRIES
from amc_normalize.report import ColumnReport, NormalizationReport
from amc_normalize.suggest import Suggestion, suggest_pii_types
from amc_normalize.types import NormalizedValue, Outcome, PiiType

__all__ = [
    "SUPPORTED_COUNTRIES",
    "ColumnHasher",
    "ColumnReport",
    "ColumnSpec",
    "NormalizationConfigError",
    "NormalizationReport",
    "NormalizedValue",
    "Outcome",
    "PiiType",
    "SchemaError",
    "Suggestion",
    "UnknownPiiTypeError",
    "UnsupportedCountryError",
    "classify_missing",
    "get_batch_hash_function",
    "get_hash_function",
    "get_hasher",
    "hash_detailed",
    "hash_value",
    "is_prehashed",
    "normalize",
    "normalize_detailed",
    "normalize_records",
    "suggest_pii_types",
]
