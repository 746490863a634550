"""Row validation, like AMC's: each record checked against the data set schema (spec C.1 - C.4).

`check_value` decides one cell, `validate_rows` one file's records: it maps record keys to columns (exact
name first, then case-insensitively), drops unknown columns, drops rows that fail a check (counted by
reason) and tallies what `IngestResult.metrics` reports. Reasons name columns and rules, never values.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import IO, Any, Final

from amc_client.models import AcsConsentValue, ConsentType
from amc_normalize.country import country_lookup
from amc_sandbox.errors import UploadFailure
from amc_sandbox.reading import RecordFile
from amc_sandbox.schema import COUNTRY_RE, HEX64_PATTERN, HEX64_RE, is_hashed_pii_column, is_identity_column
from amc_uploader.io import Rejected

EMPTY_SHA256: Final = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# C.4: AMC's validator tolerates a space separator, up to 9 fractional digits and an optional Z.
TIMESTAMP_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z?$"
TIMESTAMP_RE: Final = re.compile(TIMESTAMP_PATTERN)
DATE_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
DATE_RE: Final = re.compile(DATE_PATTERN)
INT_RE: Final = re.compile(r"^[+-]?\d+$")
# C.1: TCF and GPP consent strings are websafe text (base64url segments, "." and GPP's "~").
CONSENT_STRING_RE: Final = re.compile(r"^[A-Za-z0-9_.~-]+$")
ACS_CONSENT_TYPES: Final = frozenset({ConsentType.AMZN_USER_DATA, ConsentType.AMZN_AD_STORAGE})
INT32: Final = (-(2**31), 2**31 - 1)
INT64: Final = (-(2**63), 2**63 - 1)


@dataclass
class IngestResult:
    """What one upload's files produced: counts, drop reasons and the accepted rows (written to `sink`)."""

    input_rows: int = 0
    output_rows: int = 0
    files: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_columns: set[str] = field(default_factory=set)
    empty_hashes: int = 0
    unknown_country: int = 0
    sink: IO[str] | None = None
    event_column: str | None = None
    event_min: str | None = None
    event_max: str | None = None

    def accept(self, row: dict[str, Any]) -> None:
        self.output_rows += 1
        if self.sink is not None:
            self.sink.write(json.dumps(row, sort_keys=True) + "\n")
        event = row.get(self.event_column) if self.event_column else None
        if event:
            self.event_min = event if self.event_min is None else min(self.event_min, event)
            self.event_max = event if self.event_max is None else max(self.event_max, event)

    def metrics(self) -> dict[str, Any]:
        return {
            "OutputRowCount": self.output_rows,
            "InputRowCount": self.input_rows,
            "DroppedRowCount": sum(self.dropped.values()),
            "FileCount": self.files,
            "EmptyStringHashCount": self.empty_hashes,
            "UnknownCountryRowCount": self.unknown_country,
            "droppedRows": [{"reason": r, "rowCount": n} for r, n in sorted(self.dropped.items())],
            "droppedColumns": sorted(self.dropped_columns),
        }


@cache
def iso_country_codes() -> frozenset[str]:
    """The alpha-2 codes a per-row country column may hold (B.9, C.1: ISO-3166 alpha-2, any country)."""
    return frozenset(country_lookup().values())


def check_value(column: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    """(normalized value, drop reason) for one cell; None value = null. Reasons never contain the value."""
    name = column["name"]
    if isinstance(value, str) and value == "":
        value = None
    if value is None:
        if column["isMainEventTime"]:
            return None, f"{name}: the main event time is required"
        if not column.get("nullable", True):
            return None, f"{name}: null value in a non-nullable column"
        return None, None
    if isinstance(value, dict | list):
        return None, f"{name}: expected a scalar value"
    data_type = column["dataType"]
    if is_hashed_pii_column(column):
        if not isinstance(value, str) or not HEX64_RE.match(value):
            return (
                None,
                f"{name}: does not match the regex pattern {HEX64_PATTERN} (hashed PII must be SHA-256 hex)",
            )
        return value, None
    if data_type == "STRING":
        text = value if isinstance(value, str) else json.dumps(value)
        if column.get("isCountryCode") and not (COUNTRY_RE.match(text) and text in iso_country_codes()):
            return None, f"{name}: country code must be ISO-3166 alpha-2 in upper case"
        consent = column.get("consentType")
        if consent in ACS_CONSENT_TYPES and text not in {v.value for v in AcsConsentValue}:
            return None, f"{name}: {consent} must be GRANTED or DENIED"
        if consent in (ConsentType.TCF, ConsentType.GPP) and not CONSENT_STRING_RE.match(text):
            return None, f"{name}: not a {consent} consent string"
        return text, None
    if data_type in {"INTEGER", "LONG"}:
        low, high = INT32 if data_type == "INTEGER" else INT64
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and INT_RE.match(value))
        ):
            return None, f"{name}: not a valid {data_type}"
        number = int(value)
        if not low <= number <= high:
            return None, f"{name}: out of range for {data_type}"
        return number, None
    if data_type == "DECIMAL":
        if isinstance(value, bool):
            return None, f"{name}: not a valid DECIMAL"
        try:
            decimal = Decimal(str(value))
        except InvalidOperation:
            return None, f"{name}: not a valid DECIMAL"
        if not decimal.is_finite():
            return None, f"{name}: not a valid DECIMAL"
        return str(decimal), None
    if data_type == "TIMESTAMP":
        if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
            return None, f"{name}: does not match the regex pattern {TIMESTAMP_PATTERN}"
        try:
            datetime.fromisoformat(value[:19].replace(" ", "T"))
        except ValueError:
            return None, f"{name}: not a valid calendar timestamp"
        canonical = value.replace(" ", "T")
        return canonical if canonical.endswith("Z") else canonical + "Z", None
    if data_type == "DATE":
        if not isinstance(value, str) or not DATE_RE.match(value):
            return None, f"{name}: does not match the regex pattern {DATE_PATTERN}"
        try:
            date.fromisoformat(value)
        except ValueError:
            return None, f"{name}: not a valid calendar date"
        return value, None
    return value, None


def validate_rows(
    file: RecordFile,
    dataset: dict[str, Any],
    result: IngestResult,
    uri: str,
    default_country: str | None,
) -> None:
    """Check one file's header and records; accepted rows go to `result`, a bad header fails the upload."""
    columns = {c["name"]: c for c in dataset["columns"]}
    country_column = next((c["name"] for c in dataset["columns"] if c["isCountryCode"]), None)
    lower = {name.lower(): name for name in columns}
    main_user_columns = {c["name"] for c in dataset["columns"] if c["isMainUserId"] or c["isMainUserIdType"]}
    identity = [c["name"] for c in dataset["columns"] if is_identity_column(c)]
    result.event_column = next((c["name"] for c in dataset["columns"] if c["isMainEventTime"]), None)
    if file.columns is not None:
        check_header(file.columns, columns, lower, result, uri)
    for _line, record in file.records:
        result.input_rows += 1
        if isinstance(record, Rejected):
            result.dropped[record.reason] += 1
            continue
        row: dict[str, Any] = {}
        for key, value in record.items():
            name = key if key in columns else lower.get(key.lower())
            if name is None:
                result.dropped_columns.add(key)
                continue
            row[name] = value
        reason = None
        for name in main_user_columns:
            if row.get(name) not in (None, ""):
                reason = f"{name}: must be empty in uploaded files (AMC fills it when identity resolves)"
                break
        accepted: dict[str, Any] = {}
        if reason is None:
            for name, column in columns.items():
                if name in main_user_columns:
                    continue
                accepted[name], reason = check_value(column, row.get(name))
                if reason is not None:
                    break
        if reason is not None:
            result.dropped[reason] += 1
            continue
        result.empty_hashes += sum(1 for name in identity if accepted.get(name) == EMPTY_SHA256)
        has_identity = any(accepted.get(name) is not None for name in identity)
        if has_identity and not default_country and not (country_column and accepted.get(country_column)):
            # Spec C.3: with no country at any level the row's country is UNKNOWN and matches poorly.
            result.unknown_country += 1
        result.accept(accepted)


def check_header(
    header: list[str],
    columns: dict[str, dict[str, Any]],
    lower: dict[str, str],
    result: IngestResult,
    uri: str,
) -> None:
    """Unknown names are dropped columns, a missing required column fails the file (the reader already
    failed a file with an empty or duplicate name)."""
    present = set()
    for name in header:
        target = name if name in columns else lower.get(name.lower())
        if target is None:
            result.dropped_columns.add(name)
        else:
            present.add(target)
    for name, column in columns.items():
        if name in present or column["isMainUserId"] or column["isMainUserIdType"]:
            continue
        if not column.get("nullable", True) or column["isMainEventTime"]:
            raise UploadFailure(f"File '{uri}' lacks the required column '{name}'")
