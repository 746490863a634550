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


_new = object.__new__
_set_outcome = NormalizedValue.__dict__["outcome"].__set__
_set_value = NormalizedValue.__dict__["value"].__set__
_set_reason = NormalizedValue.__dict__["reason"].__set__


def make_value(outcome: Outcome, value: str | None, reason: str | None = None) -> NormalizedValue:
    """`NormalizedValue(outcome, value, reason)` without the frozen dataclass `__init__` (about a third
    cheaper: slot descriptors set directly). For per-value hot loops such as `get_hasher`."""
    result: NormalizedValue = _new(NormalizedValue)
    _set_outcome(result, outcome)
    _set_value(result, value)
    _set_reason(result, reason)
    return result


#: Types whose rules depend on country tables (spec: ADDRESS, STATE, ZIP); the others work for any
#: region phonenumbers knows.
COUNTRY_DEPENDENT_TYPES = frozenset({PiiType.ADDRESS, PiiType.STATE, PiiType.ZIP})
#: Types whose rule is the same in every country (spec: FIRST_NAME/LAST_NAME, EMAIL, CITY): a row whose
#: country is unknown still gets them.
COUNTRY_INDEPENDENT_TYPES = frozenset(
    {PiiType.FIRST_NAME, PiiType.LAST_NAME, PiiType.NAME, PiiType.EMAIL, PiiType.CITY}
)
