"""A row's country: resolve the value of a country column to an ISO-3166 alpha-2 code.

AMC reads a per-row country from the column flagged `isCountryCode` (docs/amc-api.md C.1), which overrides
the upload's and the dataset's `countryCode` (B.9, C.3); the row's PII must then be normalized by that
country's rules (docs/normalization.md). Accepted: alpha-2 in any case with surrounding spaces, `UK` for GB,
alpha-3 codes and common names from `data/country_names.json`. A blank value takes the default country.

Outcomes (`CountryResolution.reason`): None (a supported country), `country.unsupported` (a real country
without rules here: AMC still gets its code, its PII gets only the country-independent rules) and
`country.unknown` (not a country, or blank without a default).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import phonenumbers

from amc_normalize.registry import SUPPORTED_COUNTRIES

COUNTRY_UNKNOWN = "country.unknown"
COUNTRY_UNSUPPORTED = "country.unsupported"

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CountryResolution:
    """`code`: the alpha-2 code to stage (None when unknown); `reason`: None when the country has rules."""

    code: str | None
    reason: str | None = None

    @property
    def supported(self) -> bool:
        return self.reason is None


def country_key(value: str) -> str:
    """The lookup form of a country value: trimmed, lower case, no dots, single spaces."""
    return _SPACES.sub(" ", value.replace(".", "").strip().lower())


@cache
def _table() -> dict[str, Any]:
    with resources.files("amc_normalize").joinpath("data", "country_names.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@cache
def country_lookup() -> dict[str, str]:
    """Every accepted spelling (as `country_key` gives it) -> alpha-2 code. Adapters that cannot call Python
    per row (Spark) join against this table."""
    table = _table()
    lookup: dict[str, str] = {}
    for code in sorted(phonenumbers.SUPPORTED_REGIONS | SUPPORTED_COUNTRIES):
        lookup[code.lower()] = code
    for alias, code in table["aliases"].items():
        lookup[country_key(alias)] = code
    for alpha3, code in table["alpha3"].items():
        lookup[country_key(alpha3)] = code
    for code, names in table["names"].items():
        for name in names:
            lookup.setdefault(country_key(name), code)
    return lookup


@cache
def eea_uk_countries() -> frozenset[str]:
    """The EEA member states and the UK: AMC needs a consent signal on each of their records (C.1)."""
    return frozenset(_table()["eea_uk"])


def resolve_country(value: object, default: str | None = None) -> CountryResolution:
    """Resolve one country cell; `default` (a supported alpha-2 code or None) applies to blank cells only."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            return CountryResolution(None, COUNTRY_UNKNOWN)
        value = default
    if not isinstance(value, str):
        return CountryResolution(None, COUNTRY_UNKNOWN)
    code = country_lookup().get(country_key(value))
    if code is None:
        return CountryResolution(None, COUNTRY_UNKNOWN)
    return CountryResolution(code, None if code in SUPPORTED_COUNTRIES else COUNTRY_UNSUPPORTED)
