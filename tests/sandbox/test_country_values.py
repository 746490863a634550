"""Per-row values of an `isCountryCode` column, checked like AMC (docs/amc-api.md C.1: ISO-3166 alpha-2)."""

from __future__ import annotations

import pytest

from amc_sandbox.validation import check_value

COLUMN = {"name": "country", "dataType": "STRING", "isCountryCode": True, "isMainEventTime": False}


@pytest.mark.parametrize("value", ["DE", "US", "GB", "BR", None, ""])
def test_accepted(value: str | None) -> None:
    assert check_value(COLUMN, value)[1] is None


@pytest.mark.parametrize("value", ["de", "UK", "XX", "DEU", "Deutschland", " DE"])
def test_rejected_without_the_value(value: str) -> None:
    _, reason = check_value(COLUMN, value)
    assert reason == "country: country code must be ISO-3166 alpha-2 in upper case"
