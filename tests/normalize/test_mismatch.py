"""Country mismatch: values of a single-country file that look like another supported country's."""

from __future__ import annotations

import pytest

from amc_normalize import SUPPORTED_COUNTRIES, PiiType
from amc_normalize.mismatch import country_mismatch, foreign_countries, looks_like_postcode, mismatch_counts


def test_phones_with_a_foreign_calling_code() -> None:
    values = ["+49 151 12345678", "+49 30 1234567", "(571) 412-0599", "+1 202 555 0101", None, ""]
    assert country_mismatch(values, PiiType.PHONE, "US") == [("DE", pytest.approx(2 / 6))]


def test_national_phones_are_never_foreign() -> None:
    # Without `+` the country of the file decides how the number reads: no evidence of another country.
    assert country_mismatch(["0151 12345678", "030 1234567"], "PHONE", "US") == []


def test_countries_sharing_a_calling_code() -> None:
    # +1: a Toronto number in a German file is Canadian, a Washington one American; in a US file neither
    # is foreign.
    values = ["+1 416 555 0199", "+1 202 555 0101"]
    assert country_mismatch(values, "PHONE", "DE") == [("CA", 0.5), ("US", 0.5)]
    assert country_mismatch(values, "PHONE", "US") == []
    assert country_mismatch(values, "PHONE", "CA") == []


def test_a_calling_code_of_an_unsupported_country_is_not_reported() -> None:
    assert country_mismatch(["+41 44 668 18 00"], "PHONE", "DE") == []


def test_postcodes_of_another_country_and_not_this_ones() -> None:
    values = ["SW1A 1AA", "100-0001", "110001", "K1A 0B1", "75236", "75236-9599", "2024-02-15"]
    result = dict(country_mismatch(values, PiiType.ZIP, "US"))
    assert result == {c: pytest.approx(1 / 7) for c in ("GB", "JP", "IN", "CA")}


def test_postcodes_of_equal_shape_are_not_a_mismatch() -> None:
    # Five digits are a US, DE, FR, ES and IT postcode alike.
    assert country_mismatch(["10115", "80331"], "ZIP", "DE") == []
    assert dict(country_mismatch(["10115", "80331"], "ZIP", "GB")) == {
        c: 1.0 for c in ("DE", "ES", "FR", "IT", "US")
    }


def test_small_shares_are_noise() -> None:
    values = ["+49 30 1234567"] + ["(571) 412-0599"] * 199
    assert country_mismatch(values, "PHONE", "US") == []
    assert country_mismatch(values, "PHONE", "US", min_share=0.0) == [("DE", 1 / 200)]


def test_counts_merge_and_other_types_are_not_checked() -> None:
    rows, counts = mismatch_counts(["+49 30 1234567", None, 5], "PHONE", "US")
    assert rows == 3 and counts == {"DE": 1}
    assert country_mismatch(["x@example.de"], "EMAIL", "US") == []
    assert foreign_countries("Bayern", "STATE", "US") == ()


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("75236", "US", True),
        ("75236-9599", "US", True),
        ("752369599", "US", True),
        ("75236-9599", "DE", False),
        ("2024-02-15", "US", False),  # the ZIP rule alone reads 20240
        ("1,250.00", "US", False),  # 12500
        ("110001", "DE", False),  # 11000
        ("110001", "IN", True),
        ("100-0001", "JP", True),
        ("sw1a 1aa", "GB", True),
        ("K1A 0B1", "CA", True),
        ("", "US", False),
    ],
)
def test_looks_like_postcode(value: str, country: str, expected: bool) -> None:
    assert looks_like_postcode(value, country) is expected


@pytest.mark.parametrize("country", sorted(SUPPORTED_COUNTRIES))
def test_every_country_fits_its_own_phones(country: str) -> None:
    samples = {
        "US": "+1 202 555 0101",
        "CA": "+1 416 555 0199",
        "GB": "+44 20 7946 0958",
        "DE": "+49 30 1234567",
        "FR": "+33 1 23 45 67 89",
        "ES": "+34 912 345 678",
        "IT": "+39 06 1234 5678",
        "JP": "+81 3 1234 5678",
        "IN": "+91 98765 43210",
    }
    assert foreign_countries(samples[country], "PHONE", country) == ()
    others = {c for c in SUPPORTED_COUNTRIES if c != country and samples[c][:3] != samples[country][:3]}
    for other in others:
        assert foreign_countries(samples[other], "PHONE", country) == (other,)
