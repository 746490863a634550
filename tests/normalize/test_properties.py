"""hypothesis properties of every PII type x supported country (spec: normalization.md)."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amc_normalize import (
    SUPPORTED_COUNTRIES,
    Outcome,
    PiiType,
    get_hasher,
    hash_detailed,
    hash_value,
    normalize,
    normalize_detailed,
)

COUNTRIES = sorted(SUPPORTED_COUNTRIES)
TYPES = list(PiiType)
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
HEX64 = re.compile(r"[0-9a-f]{64}")
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like the data: letters (accented too), digits, separators, plus any unicode.
realistic = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.,#'/@+()äöüßøæéÎ")
    ),
    max_size=40,
)
anything = st.one_of(st.text(max_size=60), realistic)
ALPHABETS = {
    PiiType.FIRST_NAME: re.compile(r"[a-z0-9]+"),
    PiiType.LAST_NAME: re.compile(r"[a-z0-9]+"),
    PiiType.NAME: re.compile(r"[a-z0-9]+"),
    PiiType.CITY: re.compile(r"[a-z0-9]+"),
    PiiType.STATE: re.compile(r"[a-z]{1,2}"),
    PiiType.PHONE: re.compile(r"[1-9][0-9]{2,19}"),
    PiiType.EMAIL: re.compile(r"[\w.+-]+@[\w.@+-]+"),
}
ZIP_SHAPES = {
    "US": r"\d{5}", "DE": r"\d{5}", "FR": r"\d{5}", "ES": r"\d{5}", "IT": r"\d{5}", "JP": r"\d{7}",
    "IN": r"\d{6}", "CA": r"(?:[A-Z]\d){3}", "GB": r"[A-Z0-9]{5,7}",
}  # fmt: skip
IDEMPOTENT = [
    PiiType.FIRST_NAME,
    PiiType.LAST_NAME,
    PiiType.NAME,
    PiiType.EMAIL,
    PiiType.CITY,
    PiiType.STATE,
    PiiType.ZIP,
]


@pytest.mark.parametrize("cc", COUNTRIES)
@pytest.mark.parametrize("pii_type", TYPES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=anything)
def test_no_exception_and_consistent_forms(value: str, pii_type: PiiType, cc: str) -> None:
    """Every type x every supported country: no exception, and all public forms agree."""
    out = normalize(value, pii_type, cc)
    digest = hash_value(value, pii_type, cc)
    detail = hash_detailed(value, pii_type, cc)
    assert detail == get_hasher(pii_type, cc)(value)
    assert detail.value == digest
    assert normalize_detailed(value, pii_type, cc).value == out
    if out is None:
        assert digest is None
        assert detail.outcome in (Outcome.NULL, Outcome.INVALID)
        assert (detail.reason is None) == (detail.outcome is Outcome.NULL)
    else:
        assert digest is not None
        assert digest == (
            out if detail.outcome is Outcome.PREHASHED else hashlib.sha256(out.encode()).hexdigest()
        )


@PROFILE
@given(value=anything, pii_type=st.sampled_from(TYPES), cc=st.sampled_from(COUNTRIES))
def test_hash_format_and_never_empty_hash(value: str, pii_type: PiiType, cc: str) -> None:
    digest = hash_value(value, pii_type, cc)
    assert digest is None or HEX64.fullmatch(digest)
    assert digest != EMPTY_HASH
    out = normalize(value, pii_type, cc)
    assert out != ""


@PROFILE
@given(value=anything, pii_type=st.sampled_from(IDEMPOTENT), cc=st.sampled_from(COUNTRIES))
def test_idempotent(value: str, pii_type: PiiType, cc: str) -> None:
    out = normalize(value, pii_type, cc)
    if out is not None:
        assert normalize(out, pii_type, cc) == out


@PROFILE
@given(value=anything, pii_type=st.sampled_from(TYPES), cc=st.sampled_from(COUNTRIES))
def test_output_alphabet(value: str, pii_type: PiiType, cc: str) -> None:
    out = normalize(value, pii_type, cc)
    if out is None or HEX64.fullmatch(value):
        return
    if pii_type is PiiType.ZIP:
        assert re.fullmatch(ZIP_SHAPES[cc], out)
    elif pii_type is PiiType.ADDRESS:
        # Delimiters never survive; the text is lower-case.
        assert not re.search(r"[\s,!.\[\]{}()]", out)
        assert out == out.lower()
    else:
        assert ALPHABETS[pii_type].fullmatch(out), out


@PROFILE
@example(value="+4915112345678", cc="DE")
@example(value="015112345678", cc="DE")
@example(value="5714120599", cc="US")
@given(
    value=st.one_of(anything, st.from_regex(r"\+?[0-9 ()-]{2,20}", fullmatch=True)),
    cc=st.sampled_from(COUNTRIES),
)
def test_phone_round_trip_with_plus(value: str, cc: str) -> None:
    out = normalize(value, "PHONE", cc)
    if out is not None:
        assert normalize("+" + out, "PHONE", cc) == out
        for other in COUNTRIES:
            assert normalize("+" + out, "PHONE", other) == out


@PROFILE
@given(
    digest=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    pii_type=st.sampled_from(TYPES),
    cc=st.sampled_from(COUNTRIES),
)
def test_prehashed_passthrough(digest: str, pii_type: PiiType, cc: str) -> None:
    assert hash_value(digest, pii_type, cc) == digest
    assert normalize(digest, pii_type, cc) == digest
    assert hash_detailed(digest, pii_type, cc).outcome is Outcome.PREHASHED


@PROFILE
@given(values=st.lists(anything, max_size=12), pii_type=st.sampled_from(TYPES), cc=st.sampled_from(COUNTRIES))
def test_batch_hash_equals_per_value(values: list[str], pii_type: PiiType, cc: str) -> None:
    from amc_normalize import get_batch_hash_function

    batch = get_batch_hash_function(pii_type, cc)
    assert batch([*values, None, 75236, 1.0]) == [
        hash_value(v, pii_type, cc) for v in [*values, None, 75236, 1.0]
    ]
