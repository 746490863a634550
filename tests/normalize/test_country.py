"""amc_normalize.country: a country column's values -> ISO alpha-2, with the reasons of the issue."""

from __future__ import annotations

import pytest

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.country import (
    COUNTRY_UNKNOWN,
    COUNTRY_UNSUPPORTED,
    country_key,
    country_lookup,
    eea_uk_countries,
    resolve_country,
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("US", "US"),
        (" us ", "US"),
        ("De", "DE"),
        ("UK", "GB"),
        ("u.k.", "GB"),
        ("DEU", "DE"),
        ("usa", "US"),
        ("United States", "US"),
        ("united  states of america", "US"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("Royaume-Uni", "GB"),
        ("日本", "JP"),
        ("JPN", "JP"),
        ("India", "IN"),
    ],
)
def test_supported_spellings_resolve(value: str, code: str) -> None:
    resolved = resolve_country(value)
    assert (resolved.code, resolved.reason, resolved.supported) == (code, None, True)


@pytest.mark.parametrize(("value", "code"), [("NL", "NL"), ("Nederland", "NL"), ("AUT", "AT"), ("br", "BR")])
def test_real_countries_without_rules_are_unsupported_but_keep_their_code(value: str, code: str) -> None:
    assert resolve_country(value) == resolve_country(value, "US")
    resolved = resolve_country(value)
    assert (resolved.code, resolved.reason) == (code, COUNTRY_UNSUPPORTED)


@pytest.mark.parametrize("value", ["XX", "Atlantis", "12", "D", 3, 4.5, True])
def test_unknown_values_never_take_the_default(value: object) -> None:
    assert resolve_country(value, "US").reason == COUNTRY_UNKNOWN
    assert resolve_country(value, "US").code is None


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_blank_takes_the_default(value: object) -> None:
    assert resolve_country(value, "de").code == "DE"
    assert resolve_country(value).reason == COUNTRY_UNKNOWN


def test_every_table_spelling_is_reachable_by_its_key() -> None:
    lookup = country_lookup()
    assert all(key == country_key(key) for key in lookup)
    assert set(lookup.values()) >= SUPPORTED_COUNTRIES


def test_eea_uk_list_holds_the_five_supported_european_countries() -> None:
    assert eea_uk_countries() & SUPPORTED_COUNTRIES == {"GB", "DE", "FR", "ES", "IT"}
    assert len(eea_uk_countries()) == 31  # EU 27 + Iceland, Liechtenstein, Norway + the UK
