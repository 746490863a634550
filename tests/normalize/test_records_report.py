"""ColumnSpec, normalize_records and NormalizationReport."""

from __future__ import annotations

import hashlib
import json
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amc_normalize import (
    ColumnSpec,
    NormalizationReport,
    Outcome,
    PiiType,
    SchemaError,
    UnknownPiiTypeError,
    UnsupportedCountryError,
    hash_detailed,
    hash_value,
    normalize_records,
)
from amc_normalize.records import CHUNK_ROWS

PREHASHED = hashlib.sha256(b"x@y.z").hexdigest()


def test_column_spec_parse_and_mapping() -> None:
    spec = ColumnSpec.parse(["email=EMAIL", "zip=zip", "a=b=PHONE"])
    assert dict(spec) == {"email": PiiType.EMAIL, "zip": PiiType.ZIP, "a=b": PiiType.PHONE}
    assert spec == {"email": "EMAIL", "zip": "ZIP", "a=b": "PHONE"}
    assert spec.to_strings() == ["email=EMAIL", "zip=ZIP", "a=b=PHONE"]
    assert hash(spec) == hash(ColumnSpec({"email": "EMAIL", "zip": "ZIP", "a=b": "PHONE"}))
    with pytest.raises(TypeError):
        spec["x"] = PiiType.CITY  # type: ignore[index]
    with pytest.raises(SchemaError):
        ColumnSpec.parse(["email"])
    with pytest.raises(SchemaError):
        ColumnSpec.parse(["email=EMAIL", "email=PHONE"])
    with pytest.raises(UnknownPiiTypeError):
        ColumnSpec.parse(["ssn=SSN"])


def test_normalize_records_hashes_spec_columns_and_copies_the_rest() -> None:
    records = [
        {"id": 1, "email": " John.Doe@Gmail.COM ", "phone": "5714120599", "note": "keep me", "zip": 75236},
        {"id": 2, "email": "bad email", "phone": None, "note": "", "zip": "7523"},
        {"id": 3, "email": PREHASHED, "phone": "", "note": None, "zip": "75236-9599"},
    ]
    original = json.loads(json.dumps(records))
    report = NormalizationReport()
    out = list(
        normalize_records(records, {"email": "EMAIL", "phone": "PHONE", "zip": "ZIP"}, "US", report=report)
    )
    assert records == original  # input not mutated
    assert [r["id"] for r in out] == [1, 2, 3]
    assert [r["note"] for r in out] == ["keep me", "", None]
    assert out[0]["email"] == hashlib.sha256(b"john.doe@gmail.com").hexdigest()
    assert out[0]["phone"] == hashlib.sha256(b"15714120599").hexdigest()
    assert out[0]["zip"] == out[2]["zip"] == hashlib.sha256(b"75236").hexdigest()
    assert out[1]["email"] is None and out[1]["phone"] is None and out[1]["zip"] is None
    assert out[2]["email"] == PREHASHED and out[2]["phone"] is None
    d = report.to_dict()["columns"]
    assert d["email"] == {
        "pii_type": "EMAIL", "rows": 3, "ok": 1, "null": 0, "prehashed": 1, "invalid": 1,
        "invalid_by_reason": {"email.no_at": 1},
    }  # fmt: skip
    assert d["phone"]["null"] == 2 and d["phone"]["ok"] == 1
    assert d["zip"]["invalid_by_reason"] == {"zip.pattern": 1}


def test_schema_and_config_errors_come_before_rows() -> None:
    with pytest.raises(UnsupportedCountryError):
        normalize_records(iter([]), {"zip": "ZIP"}, "BR")  # raised at call time, not on iteration
    with pytest.raises(UnknownPiiTypeError):
        normalize_records(iter([]), {"zip": "POSTCODE"}, "US")
    stream = normalize_records(iter([{"email": "a@b.c"}]), {"mail": "EMAIL"}, "US")
    with pytest.raises(SchemaError, match="'mail'"):
        next(stream)
    # Later records lacking a column count it as null.
    report = NormalizationReport()
    rows = list(normalize_records([{"email": "a@b.c"}, {}], {"email": "EMAIL"}, "US", report=report))
    assert rows[1] == {"email": None}
    assert report.columns["email"].null == 1


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["a@b.co", "  ", PREHASHED, "x"])),
        max_size=30,
    )
)
def test_report_counts_equal_outcomes(values: list[str | None]) -> None:
    report = NormalizationReport()
    rows = list(normalize_records(({"e": v} for v in values), {"e": "EMAIL"}, "GB", report=report))
    assert len(rows) == len(values)
    expected = NormalizationReport()
    for v in values:
        detail = hash_detailed(v, "EMAIL", "GB")
        expected.add("e", "EMAIL", detail.outcome, detail.reason)
        assert detail.value == hash_value(v, "EMAIL", "GB")
    if values:
        assert report == expected
        c = report.columns["e"]
        assert c.rows == c.ok + c.null + c.prehashed + c.invalid == len(values)


def test_report_add_merge_json_render() -> None:
    a = NormalizationReport()
    a.add("email", PiiType.EMAIL, Outcome.OK, count=5)
    a.add("email", PiiType.EMAIL, Outcome.INVALID, "email.syntax", count=2)
    a.add("email", PiiType.EMAIL, "NULL")
    b = NormalizationReport()
    b.add("email", PiiType.EMAIL, Outcome.PREHASHED, count=3)
    b.add("zip", PiiType.ZIP, Outcome.INVALID, "zip.pattern")
    a.merge(b)
    assert a.columns["email"].rows == 11
    assert a.columns["email"].invalid_by_reason == {"email.syntax": 2}
    assert a.invalid == 3
    again = NormalizationReport.from_dict(json.loads(a.to_json()))
    assert again == a
    assert again.to_dict() == a.to_dict()
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(a.render())
    text = console.export_text()
    assert "email.syntax: 2" in text and "zip" in text


def test_hasher_is_compiled_and_cached() -> None:
    from amc_normalize import get_hasher

    h = get_hasher("EMAIL", "US")
    assert h is get_hasher(PiiType.EMAIL, "us")
    assert h("A@B.co") == hash_detailed("A@B.co", "EMAIL", "US")


def test_empty_input_reports_every_column_with_zero_rows() -> None:
    report = NormalizationReport()
    assert list(normalize_records([], {"email": "EMAIL", "zip": "ZIP"}, "US", report=report)) == []
    assert {name: c.rows for name, c in report.columns.items()} == {"email": 0, "zip": 0}


def test_report_country_mismatch_json_merge_render() -> None:
    from amc_normalize.mismatch import mismatch_counts

    values = ["+49 30 1234567", "(571) 412-0599", "+49 151 12345678", None]
    a = NormalizationReport()
    list(normalize_records(({"phone": v} for v in values), {"phone": "PHONE"}, "US", report=a))
    a.add_country_mismatch("phone", mismatch_counts(values, "PHONE", "US")[1])
    assert a.to_dict()["country_mismatch"] == [{"column": "phone", "country": "DE", "rows": 2, "share": 0.5}]
    b = NormalizationReport.from_dict(json.loads(a.to_json()))
    assert b == a
    a.merge(b)
    assert a.country_mismatches()[0]["rows"] == 4 and a.country_mismatches()[0]["share"] == 0.5
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(a.render())
    assert "looks like another country: phone 50% DE" in console.export_text()
    assert NormalizationReport().to_dict()["country_mismatch"] == []


def _expected_report(values: list[object], taken: int) -> NormalizationReport:
    expected = NormalizationReport()
    for v in values[:taken]:
        detail = hash_detailed(v, "PHONE", "DE")  # type: ignore[arg-type]
        expected.add("p", "PHONE", detail.outcome, detail.reason)
    return expected


@pytest.mark.parametrize("taken", [1, CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS + 5, None])
def test_chunked_stream_counts_exactly_the_rows_it_yielded(taken: int | None) -> None:
    """Records are hashed a chunk at a time; closing the stream inside a chunk counts only what went out."""
    cycle = ["+49 30 1234567", None, "", "  ", "12", PREHASHED, "030 1234567", 4930123456, float("nan"), "x"]
    values: list[object] = [cycle[i % len(cycle)] for i in range(2 * CHUNK_ROWS + 7)]
    report = NormalizationReport()
    records = ({"id": i, "p": v} for i, v in enumerate(values))
    stream = normalize_records(records, {"p": "PHONE"}, "DE", report=report)
    out = list(islice(stream, taken))
    stream.close()
    assert [row["id"] for row in out] == list(range(len(out)))
    assert [row["p"] for row in out] == [hash_value(v, "PHONE", "DE") for v in values[: len(out)]]  # type: ignore[arg-type]
    assert report == _expected_report(values, len(out))


def test_column_hasher_equals_normalize_records() -> None:
    """The column-batch entry point gives normalize_records' digests and counts."""
    from amc_normalize import ColumnHasher

    spec = {"email": "EMAIL", "phone": "PHONE", "zip": "ZIP", "state": "STATE"}
    cycle = [" A@b.co", None, "", "12", PREHASHED, "Texas", "+1 571 412 0599", "75236-9599", 75236, "é"]
    records = [{c: cycle[(i + k) % len(cycle)] for k, c in enumerate(spec)} for i in range(300)]
    by_rows = NormalizationReport()
    rows = list(normalize_records(records, spec, "US", report=by_rows))
    by_columns = NormalizationReport()
    columns = ColumnHasher(spec, "US").hash_columns({c: [r[c] for r in records] for c in spec}, by_columns)
    assert columns == {c: [r[c] for r in rows] for c in spec}
    assert by_columns == by_rows


#: Cells of every kind, valid and invalid for each type: text, blanks, prehashed, numbers, a lone
#: surrogate, booleans and nested values (each comes out as `hash_detailed` says and is counted so).
CELLS: list[object] = [
    "Jane",
    " a@b.co ",
    "+1 (571) 412-0599",
    "030 1234567",
    "12",
    "x",
    "+",
    "123 Main St., Apt #4",
    "Île-de-France",
    "Texas",
    "75236-9599",
    "SW1A 1AA",
    "São Paulo",
    "",
    "   ",
    "\u00a0",
    None,
    PREHASHED,
    "1" * 64,
    "a\ud800",
    " \udfff ",
    75236,
    1.0,
    float("nan"),
    True,
    ["a"],
    {"a": 1},
]


@pytest.mark.parametrize("country", ["US", "DE", "GB", "FR"])
@pytest.mark.parametrize("pii_type", [t for t in PiiType if t is not PiiType.NAME])
def test_report_counts_every_cell_kind(pii_type: PiiType, country: str) -> None:
    """The report of normalize_records (its batch reasons, its inlined classification of text) equals
    `hash_detailed` value by value, over a chunk boundary."""
    values = [CELLS[(i * 7) % len(CELLS)] for i in range(CHUNK_ROWS + len(CELLS))]
    report = NormalizationReport()
    rows = list(normalize_records(({"v": v} for v in values), {"v": pii_type}, country, report=report))
    expected = NormalizationReport()
    for v in values:
        detail = hash_detailed(v, pii_type, country)  # type: ignore[arg-type]
        expected.add("v", pii_type, detail.outcome, detail.reason)
    assert [row["v"] for row in rows] == [hash_value(v, pii_type, country) for v in values]  # type: ignore[arg-type]
    assert report == expected
