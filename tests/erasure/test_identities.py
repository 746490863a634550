"""A file of people -> identity maps: per-row country rules, prehashed passthrough, invalid identifiers
counted, people without any identifier reported by line, configuration refused in one line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from amc_client import MAX_DELETION_IDENTITIES
from amc_normalize import PiiType, hash_value
from amc_uploader.erasure import ErasureConfigError, parse_pii, read_identities
from amc_uploader.io import RecordFileError
from tests.job.helpers import write_csv, write_jsonl

SPEC = ["email=EMAIL", "first=FIRST_NAME", "phone=PHONE", "zip=ZIP"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_each_person_is_hashed_by_their_own_country(tmp_path: Path) -> None:
    rows = [
        {"email": "Jane@Example.com", "first": "Jane", "phone": "030 1234567", "zip": "10115", "cc": "de"},
        {"email": "", "first": "Bob", "phone": "(206) 555-0142", "zip": "98101", "cc": " "},
        {"email": "", "first": "", "phone": "020 7946 0958", "zip": "SW1A 1AA", "cc": "UK"},
        {"email": "", "first": "", "phone": "01 23 45 67 89", "zip": "75001", "cc": "France"},
    ]
    erasure = read_identities(
        write_csv(tmp_path / "people.csv", rows), parse_pii(SPEC), country="US", country_column="cc"
    )
    expected = []
    for row, cc in zip(rows, ["DE", "US", "GB", "FR"], strict=True):
        identity = {}
        for column, pii_type in (
            ("email", "EMAIL"),
            ("first", "FIRST_NAME"),
            ("phone", "PHONE"),
            ("zip", "ZIP"),
        ):
            digest = hash_value(row[column] or None, pii_type, cc)
            if digest is not None:
                identity[pii_type] = digest
        expected.append(identity)
    assert erasure.identities == expected
    # The German phone hashed by US rules would be a different person.
    assert erasure.identities[0]["PHONE"] != hash_value("030 1234567", "PHONE", "US")
    assert erasure.report.countries == {"DE": 1, "US": 1, "GB": 1, "FR": 1}


def test_prehashed_values_pass_through_and_clear_text_never_stays(tmp_path: Path) -> None:
    digest = _sha("jane@example.com")
    path = write_jsonl(tmp_path / "people.jsonl", [{"email": digest, "phone": 12065550142}])
    erasure = read_identities(path, parse_pii(["email=EMAIL", "phone=PHONE"]), country="US")
    assert erasure.identities == [{"EMAIL": digest, "PHONE": hash_value("12065550142", "PHONE", "US")}]
    assert erasure.report.columns["email"].prehashed == 1
    assert "12065550142" not in repr(erasure.identities)


def test_invalid_identifiers_are_counted_and_empty_people_reported(tmp_path: Path) -> None:
    rows = [
        {"email": "a@example.com", "first": "", "phone": "12", "zip": "x"},
        {"email": "not-an-email", "first": "", "phone": "1", "zip": "??"},
        {"email": "", "first": "", "phone": "", "zip": ""},
        {"email": "a@example.com", "first": "", "phone": "", "zip": ""},
    ]
    erasure = read_identities(write_csv(tmp_path / "p.csv", rows), parse_pii(SPEC), country="US")
    report = erasure.report
    assert erasure.identities == [{"EMAIL": hash_value("a@example.com", "EMAIL", "US")}]
    assert report.rows == 4 and report.identities == 1 and report.duplicates == 1
    assert report.without_identifiers == 2 and report.lines_without_identifiers == [3, 4]
    assert sum(report.columns["phone"].invalid.values()) == 2
    assert sum(report.columns["zip"].invalid.values()) == 2
    assert sum(report.columns["email"].invalid.values()) == 1
    empty = _sha("")
    assert all(empty not in identity.values() for identity in erasure.identities)
    text = repr(report.to_dict())
    assert "not-an-email" not in text and "a@example.com" not in text


def test_unknown_country_keeps_only_country_independent_identifiers(tmp_path: Path) -> None:
    rows = [
        {
            "email": "x@example.com",
            "first": "Ann",
            "phone": "+49 30 1234567",
            "zip": "10115",
            "cc": "Atlantis",
        },
        {"email": "", "first": "", "phone": "030 1234567", "zip": "", "cc": "Brazil"},
        {"email": "", "first": "", "phone": "", "zip": _sha("10115"), "cc": "zz"},
    ]
    erasure = read_identities(write_csv(tmp_path / "p.csv", rows), parse_pii(SPEC), country_column="cc")
    assert erasure.identities == [
        {
            "EMAIL": hash_value("x@example.com", "EMAIL", "US"),
            "FIRST_NAME": hash_value("Ann", "FIRST_NAME", "US"),
            "PHONE": hash_value("+49 30 1234567", "PHONE", "DE"),
        },
        {"ZIP": _sha("10115")},
    ]
    report = erasure.report
    assert report.columns["zip"].invalid == {"country.unknown": 1}
    assert report.columns["phone"].invalid == {"country.unsupported": 1}
    assert report.country_reasons == {"country.unknown": 2, "country.unsupported": 1}
    assert report.lines_without_identifiers == [3]


def test_batches_hold_at_most_1000_identities(tmp_path: Path) -> None:
    rows = [{"email": f"p{i}@example.com"} for i in range(2345)]
    erasure = read_identities(write_csv(tmp_path / "p.csv", rows), parse_pii(["email=EMAIL"]), country="US")
    assert [len(b) for b in erasure.batches()] == [MAX_DELETION_IDENTITIES, MAX_DELETION_IDENTITIES, 345]
    with pytest.raises(ErasureConfigError):
        erasure.batches(1001)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["name=NAME"], "NAME is not an AMC identity type"),
        (["a=EMAIL", "b=email"], "both EMAIL"),
        (["a=SSN"], "SSN"),
        (["nonsense"], "COLUMN=TYPE"),
        ([], "at least one --pii"),
    ],
)
def test_bad_pii_specs_are_refused(entries: list[str], message: str) -> None:
    with pytest.raises(ErasureConfigError, match=message):
        parse_pii(entries)


def test_spec_types_are_amc_types() -> None:
    assert parse_pii({"e": "email"}) == {"e": PiiType.EMAIL}


def test_missing_columns_and_unsupported_country_are_one_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"email": "a@example.com"}])
    with pytest.raises(RecordFileError, match=r"p\.csv: column 'cc': not in the file's header"):
        read_identities(path, parse_pii(["email=EMAIL"]), country_column="cc")
    with pytest.raises(RecordFileError, match=r"column 'phone'"):
        read_identities(path, parse_pii(["phone=PHONE"]), country="US")
    with pytest.raises(ErasureConfigError, match="'BR' is not supported"):
        read_identities(path, parse_pii(["email=EMAIL"]), country="BR")
    header_only = tmp_path / "h.csv"
    header_only.write_text("email\n")
    with pytest.raises(RecordFileError, match="no data rows"):
        read_identities(header_only, parse_pii(["email=EMAIL"]), country="US")


def test_nested_and_boolean_identifiers_are_invalid_not_text(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "people.jsonl",
        [{"email": {"primary": "a@example.com"}, "phone": True}, {"email": "c@example.com", "phone": None}],
    )
    result = read_identities(src, parse_pii(["email=EMAIL", "phone=PHONE"]), country="US")
    assert result.identities == [{"EMAIL": hash_value("c@example.com", "EMAIL", "US")}]
    assert result.report.without_identifiers == 1
    assert dict(result.report.columns["email"].invalid) == {"value.nested": 1}
    assert dict(result.report.columns["phone"].invalid) == {"value.boolean": 1}
