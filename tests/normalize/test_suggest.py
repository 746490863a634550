"""Column suggestions from names and sample values."""

from __future__ import annotations

import hashlib

import pytest

from amc_normalize import NormalizationConfigError, PiiType, suggest_pii_types


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("e_mail", PiiType.EMAIL),
        ("Email Address", PiiType.EMAIL),
        ("zipcode", PiiType.ZIP),
        ("postcode", PiiType.ZIP),
        ("Postal-Code", PiiType.ZIP),
        ("mobile", PiiType.PHONE),
        ("fname", PiiType.FIRST_NAME),
        ("surname", PiiType.LAST_NAME),
        ("street", PiiType.ADDRESS),
        ("billing_city", PiiType.CITY),
        ("province", PiiType.STATE),
        ("customer_email", PiiType.EMAIL),
        ("customerEmail", PiiType.EMAIL),
        ("billing_zip", PiiType.ZIP),
        ("zip_code_5", PiiType.ZIP),
        ("Shipping Address", PiiType.ADDRESS),
        ("Vorname", PiiType.FIRST_NAME),
        ("Straße", PiiType.ADDRESS),
        ("PLZ", PiiType.ZIP),
        ("code_postal", PiiType.ZIP),
        ("teléfono", PiiType.PHONE),
        ("cognome", PiiType.LAST_NAME),
    ],
)
def test_names(column: str, expected: PiiType) -> None:
    s = suggest_pii_types([column], {column: []})[column]
    assert s.pii_type is expected
    assert 0.5 <= s.confidence <= 1.0


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("customer_id", ["CUS00001", "CUS00002", "CUS00003", "CUS00004"]),
        ("orderId", ["10001", "10002", "10003", "10004"]),
        ("order_number", ["2065550114", "2065550115", "2065550116", "2065550117"]),
    ],
)
def test_identifier_columns_are_not_pii_by_their_values(column: str, values: list[str]) -> None:
    s = suggest_pii_types([column], {column: values}, "US")[column]
    assert s.pii_type is None
    assert s.confidence == 0.0


def test_values_decide_when_names_say_nothing() -> None:
    samples = {
        "c1": ["john@example.com", "jane.doe@example.org", "x@example.net", None],
        "c2": ["(571) 412-0599", "+1 202 555 0101", "212-555-0199", "2065550114"],
        "c3": ["75236", "10001-1234", "02134", "98101"],
        "c4": ["12.50", "3.00", "7.25", "1.00"],
        "c5": ["Texas", "NY", "California", "wa"],
    }
    result = suggest_pii_types(list(samples), samples, "US")
    assert result["c1"].pii_type is PiiType.EMAIL
    assert result["c2"].pii_type is PiiType.PHONE
    assert result["c3"].pii_type is PiiType.ZIP
    assert result["c4"].pii_type is None
    assert result["c5"].pii_type is PiiType.STATE
    for s in result.values():
        assert "@" not in s.reason and "555" not in s.reason  # no values in reasons


def test_name_and_values_agreeing_raise_confidence() -> None:
    values = ["a@b.co", "c@d.co"]
    both = suggest_pii_types(["email"], {"email": values})["email"]
    name_only = suggest_pii_types(["email"], {"email": []})["email"]
    assert both.pii_type is PiiType.EMAIL and both.confidence > name_only.confidence


def test_prehashed_columns_rely_on_the_name() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    result = suggest_pii_types(["email", "h"], {"email": [digest], "h": [digest]})
    assert result["email"].pii_type is PiiType.EMAIL
    assert result["h"].pii_type is None


def test_unknown_country() -> None:
    with pytest.raises(NormalizationConfigError):
        suggest_pii_types(["zip"], {}, "XX")


@pytest.mark.parametrize("column", ["last_login", "mailing_opt_in", "region_id", "first_seen", "order_total"])
def test_generic_words_inside_other_names_are_not_pii(column: str) -> None:
    assert suggest_pii_types([column], {column: ["2024-01-01", "x"]})[column].pii_type is None


def test_values_that_do_not_fit_the_name_lower_confidence() -> None:
    good = suggest_pii_types(["zip"], {"zip": ["75236", "10001"]}, "US")["zip"]
    bad = suggest_pii_types(["zip"], {"zip": ["n/a", "unknown"]}, "US")["zip"]
    assert good.pii_type is bad.pii_type is PiiType.ZIP
    assert good.confidence >= 0.9 > 0.5 > bad.confidence
