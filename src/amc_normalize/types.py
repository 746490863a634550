"""Core value types: PII types, outcomes and the detailed normalization result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiType(StrEnum):
    """PII column types; values are the AMC wire names (spec: normalization.md)."""

    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    NAME = "NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    CITY = "CITY"
    STATE = "STATE"
    ZIP = "ZIP"


class Outcome(StrEnum):
    """What happened to one value."""

    OK = "OK"
    NULL = "NULL"
    PREHASHED = "PREHASHED"
    INVALID = "INVALID"


@dataclass(frozen=True, slots=True)
class NormalizedValue:
    """One value's result. `value` is clear text (normalize_*) or a 64-hex digest (hash_*), else None.

    `reason` is a short code such as `phone.not_possible`; it never contains the value itself.
    """

    outcome: Outcome
    value: str | None
    reason: str | None = None


#: Types whose rules depend on country tables (spec: ADDRESS, STATE, ZIP); the others work for any
#: region phonenumbers knows.
COUNTRY_DEPENDENT_TYPES = frozenset({PiiType.ADDRESS, PiiType.STATE, PiiType.ZIP})
