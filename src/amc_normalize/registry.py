"""Country rules as data: tables are package JSON loaded once and cached; no per-country branches.

`countries.json` names, per supported country, the postal-code rule and the address word tables
(spec: normalization.md, sections ZIP and ADDRESS); `state_codes.json` and `address_words.json` are
the reference tables (spec: STATE, ADDRESS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import phonenumbers

from amc_normalize.errors import UnknownPiiTypeError, UnsupportedCountryError
from amc_normalize.types import COUNTRY_DEPENDENT_TYPES, PiiType

#: Every address table list starts with these (spec: ADDRESS step 5).
_ADDRESS_PREFIX_TABLES = ("NumberIndicators", "DirectionalWords")


@dataclass(frozen=True, slots=True)
class ZipRule:
    keep: str  # "digits" or "alnum"
    length: int
    pattern: str


@dataclass(frozen=True, slots=True)
class CountryRules:
    country_code: str
    zip: ZipRule
    address_tables: tuple[str, ...]
    state_names: dict[str, str]


def _load_json(name: str) -> Any:
    with resources.files("amc_normalize").joinpath("data", name).open("r", encoding="utf-8") as fh:
        return json.load(fh)


#: Countries with full rules for every PII type (spec: normalization.md, first paragraph): the countries
#: of `countries.json`, the one table of them.
#: Alpha-2 spellings that are not ISO codes, e.g. "UK" for Great Britain (the replaced solution used it).
_COUNTRY_ALIASES: dict[str, str] = _load_json("country_names.json")["aliases"]
SUPPORTED_COUNTRIES: frozenset[str] = frozenset(
    code for code in _load_json("countries.json") if not code.startswith("_")
)


@cache
def address_tables() -> dict[str, list[tuple[str, str]]]:
    """Each table as an ordered list of (WORD, REPLACEMENT) pairs."""
    raw: dict[str, list[dict[str, str]]] = _load_json("address_words.json")
    return {name: [next(iter(entry.items())) for entry in entries] for name, entries in raw.items()}


@cache
def state_tables() -> dict[str, dict[str, str]]:
    raw: dict[str, dict[str, str]] = _load_json("state_codes.json")
    return raw


@cache
def country_rules(country_code: str) -> CountryRules:
    """Rules of one supported country (raises UnsupportedCountryError otherwise)."""
    cc = canonical_country(country_code)
    data: dict[str, Any] = _load_json("countries.json")
    entry = data.get(cc)
    if cc not in SUPPORTED_COUNTRIES or not isinstance(entry, dict):
        raise UnsupportedCountryError(country_code)
    z = entry["zip"]
    return CountryRules(
        country_code=cc,
        zip=ZipRule(keep=z["keep"], length=int(z["length"]), pattern=z["pattern"]),
        address_tables=_ADDRESS_PREFIX_TABLES + tuple(entry["address_tables"]),
        state_names=dict(state_tables().get(cc, {})),
    )


def canonical_country(country_code: str) -> str:
    """Upper-case ISO-3166 alpha-2 code, with the `UK` alias resolved."""
    if not isinstance(country_code, str):
        raise UnsupportedCountryError(repr(country_code))
    cc = country_code.strip().upper()
    return _COUNTRY_ALIASES.get(cc, cc)


def parse_pii_type(pii_type: str | PiiType) -> PiiType:
    """`PiiType` from its wire name (case-insensitive)."""
    if isinstance(pii_type, PiiType):
        return pii_type
    if isinstance(pii_type, str):
        try:
            return PiiType(pii_type.strip().upper())
        except ValueError:
            pass
    raise UnknownPiiTypeError(str(pii_type), tuple(t.value for t in PiiType))


def resolve(pii_type: str | PiiType, country_code: str) -> tuple[PiiType, str]:
    """Validate a (type, country) pair: country tables for ADDRESS/STATE/ZIP, any phonenumbers region else."""
    t = parse_pii_type(pii_type)
    cc = canonical_country(country_code)
    if t in COUNTRY_DEPENDENT_TYPES:
        if cc not in SUPPORTED_COUNTRIES:
            raise UnsupportedCountryError(cc, t.value)
    elif cc not in phonenumbers.SUPPORTED_REGIONS:
        raise UnsupportedCountryError(cc, t.value)
    return t, cc
