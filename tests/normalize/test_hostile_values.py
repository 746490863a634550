"""Hostile cells in a PII column (issue 12): booleans, nested values, lone surrogates, control characters.

Every PII type x supported country: never an exception, the result is None or 64 hex, never
sha256(""); a boolean is invalid (`value.boolean`), a nested value (object, list, Parquet struct / list /
map, a numpy array from pandas) invalid (`value.nested`), text with a lone surrogate invalid
(`text.invalid_unicode`), in `hash_value`, `hash_detailed`, `normalize_records` and the pandas adapter.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amc_normalize import (
    SUPPORTED_COUNTRIES,
    NormalizationReport,
    Outcome,
    PiiType,
    get_batch_hash_function,
    get_hasher,
    hash_detailed,
    hash_value,
    normalize_detailed,
    normalize_records,
)
from amc_normalize.common import TEXT_INVALID_UNICODE, VALUE_BOOLEAN, VALUE_NESTED, value_reason

EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
HEX64 = re.compile(r"[0-9a-f]{64}")
PAIRS = [(t, cc) for t in PiiType for cc in sorted(SUPPORTED_COUNTRIES)]
# Valid in every type of some country, so only the hostile part can make them invalid.
SAMPLES = {
    PiiType.EMAIL: "jane@example.com",
    PiiType.PHONE: "+1 206 555 0100",
    PiiType.ADDRESS: "1 Main Street",
    PiiType.ZIP: "98101",
}

SURROGATES = st.sampled_from(["\ud800", "\udfff", "\udbff", "\udc00"])
CONTROLS = st.characters(codec=None, categories=["Cc", "Cf", "Zs", "Zl", "Zp"])
TEXT = st.text(st.one_of(st.characters(), CONTROLS, SURROGATES), max_size=30)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
        st.lists(st.tuples(st.text(max_size=3), inner), max_size=2),  # pyarrow's form of a map
    ),
    max_leaves=6,
)


def _check(digest: str | None) -> None:
    assert digest is None or HEX64.fullmatch(digest)
    assert digest != EMPTY_DIGEST


@settings(max_examples=400, deadline=None)
@given(pair=st.sampled_from(PAIRS), value=NESTED)
def test_fuzz_every_type_and_country(pair: tuple[PiiType, str], value: Any) -> None:
    t, cc = pair
    digest = hash_value(value, t, cc)
    _check(digest)
    detail = get_hasher(t, cc)(value)
    assert detail.value == digest
    assert hash_detailed(value, t, cc).value == digest
    assert get_batch_hash_function(t, cc)([value]) == [digest]
    normalized = normalize_detailed(value, t, cc)
    assert normalized.outcome is detail.outcome
    reason = value_reason(value)
    if reason is not None:
        assert (detail.outcome, detail.reason) == (Outcome.INVALID, reason)


@settings(max_examples=200, deadline=None)
@given(pair=st.sampled_from(PAIRS), text=TEXT, surrogate=SURROGATES)
def test_fuzz_lone_surrogate_is_invalid_unicode(pair: tuple[PiiType, str], text: str, surrogate: str) -> None:
    t, cc = pair
    value = SAMPLES.get(t, "Jane") + surrogate + text
    assert hash_value(value, t, cc) is None
    assert (hash_detailed(value, t, cc).outcome, hash_detailed(value, t, cc).reason) == (
        Outcome.INVALID,
        TEXT_INVALID_UNICODE,
    )


@pytest.mark.parametrize(("t", "cc"), PAIRS)
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, VALUE_BOOLEAN),
        (False, VALUE_BOOLEAN),
        ({"primary": "jane@example.com"}, VALUE_NESTED),
        (["jane@example.com"], VALUE_NESTED),
        ((), VALUE_NESTED),
        ([("k", "jane@example.com")], VALUE_NESTED),
        ("\ud800", TEXT_INVALID_UNICODE),
        ("Jane\udc00 Doe", TEXT_INVALID_UNICODE),
    ],
)
def test_hostile_value_is_invalid_with_reason(t: PiiType, cc: str, value: Any, reason: str) -> None:
    detail = hash_detailed(value, t, cc)
    assert (detail.outcome, detail.value, detail.reason) == (Outcome.INVALID, None, reason)
    assert hash_value(value, t, cc) is None


def test_normalize_records_counts_the_reasons() -> None:
    records = [
        {"email": {"primary": "jane@example.com"}, "name": True},
        {"email": ["jane@example.com"], "name": "Jane\ud800"},
        {"email": "jane@example.com", "name": "Jane"},
    ]
    report = NormalizationReport()
    out = list(normalize_records(records, {"email": "EMAIL", "name": "FIRST_NAME"}, "US", report=report))
    assert [r["email"] is None for r in out] == [True, True, False]
    assert [r["name"] is None for r in out] == [True, True, False]
    email, name = report.columns["email"], report.columns["name"]
    assert email.invalid_by_reason == {VALUE_NESTED: 2}
    assert name.invalid_by_reason == {VALUE_BOOLEAN: 1, TEXT_INVALID_UNICODE: 1}


def test_normalize_records_by_row_country() -> None:
    records = [{"cc": "US", "email": {"a": "jane@example.com"}}, {"cc": "DE", "email": True}]
    report = NormalizationReport()
    out = list(normalize_records(records, {"email": "EMAIL"}, None, report=report, country_column="cc"))
    assert [r["email"] for r in out] == [None, None]
    assert report.columns["email"].invalid_by_reason == {VALUE_NESTED: 1, VALUE_BOOLEAN: 1}


def test_pandas_adapter_nested_and_boolean_cells() -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    from amc_normalize.pandas import normalize_frame

    frame = pd.DataFrame(
        {
            "email": [{"a": "jane@example.com"}, np.array(["jane@example.com"]), "jane@example.com"],
            "name": [np.bool_(True), "Jane\ud800", "Jane"],
        }
    )
    out, report = normalize_frame(frame, {"email": "EMAIL", "name": "FIRST_NAME"}, "US")
    assert out["email"].isna().tolist() == [True, True, False]
    assert out["name"].isna().tolist() == [True, True, False]
    assert report.columns["email"].invalid_by_reason == {VALUE_NESTED: 2}
    assert report.columns["name"].invalid_by_reason == {VALUE_BOOLEAN: 1, TEXT_INVALID_UNICODE: 1}
