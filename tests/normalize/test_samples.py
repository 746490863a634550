"""The bundled sample files: present, parseable, messy as documented, and fake."""

from __future__ import annotations

import csv

import pytest

from amc_normalize import NormalizationReport, normalize_records
from amc_uploader.samples import available_samples, sample_path

SPEC = {
    "first_name": "FIRST_NAME",
    "last_name": "LAST_NAME",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "ADDRESS",
    "city": "CITY",
    "state": "STATE",
    "zip": "ZIP",
}


def test_default_is_us_and_unknown_country_is_a_clear_error() -> None:
    assert sample_path().name == "customers_us.csv"
    assert sample_path("us") == sample_path("US")
    assert {"US", "DE", "GB", "JP"} <= set(available_samples())
    with pytest.raises(ValueError, match="no bundled sample"):
        sample_path("ZZ")


@pytest.mark.parametrize("cc", ["US", "DE", "GB", "JP"])
def test_samples_normalize_with_some_invalid_and_prehashed(cc: str) -> None:
    path = sample_path(cc)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {"purchase_timestamp", "order_total", "customer_id", *SPEC} <= set(rows[0])
    report = NormalizationReport()
    out = list(normalize_records(rows, SPEC, cc, report=report))
    assert len(out) == len(rows) >= 40
    assert [r["order_total"] for r in out] == [r["order_total"] for r in rows]
    invalid_rows = sum(1 for r in out if any(r[c] is None for c in SPEC))
    assert 0.03 * len(rows) <= invalid_rows <= 0.3 * len(rows)
    assert report.columns["email"].prehashed >= 1
    # Obviously fake: reserved example domains only.
    for r in rows:
        email = r["email"].strip().lower()
        assert "@" not in email or email.split("@")[-1].endswith(
            ("example.com", "example.org", "example.net")
        )


def test_us_sample_size() -> None:
    with sample_path("US").open(encoding="utf-8") as fh:
        assert 190 <= sum(1 for _ in fh) - 1 <= 250
