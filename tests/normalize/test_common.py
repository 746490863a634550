"""The common rules (amc_normalize.common): text coercion, blank -> null, prehashed passthrough."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES, PiiType
from amc_normalize.common import (
    blank_to_null,
    coerce_text,
    compile_batch_hash_function,
    compile_hash_function,
    distinct_values,
    is_prehashed,
    kernel_hash_function,
)
from amc_normalize.core import get_rule
from tests.normalize.fast_paths import PROFILE, values

DIGEST = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("x", "x"),
        (75236.0, "75236"),
        (75236.5, "75236.5"),
        (math.nan, None),
        (75236, "75236"),
        (True, None),  # a boolean is no text: invalid, value.boolean (test_hostile_values.py)
        (False, None),
        ({"primary": "a@b.com"}, None),
        (["a@b.com"], None),
    ],
)
def test_coerce_text(value: object, text: str | None) -> None:
    assert coerce_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(None, None), ("", None), (" \t\n\xa0", None), (" x ", " x "), (0.0, "0")]
)
def test_blank_to_null(value: object, text: str | None) -> None:
    assert blank_to_null(value) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (DIGEST, True),
        (DIGEST.upper(), False),
        (DIGEST[:-1], False),
        (DIGEST + "0", False),
        (DIGEST[:-1] + "g", False),
    ],
)
def test_is_prehashed(value: str, expected: bool) -> None:
    assert is_prehashed(value) is expected


def test_kernel_hash_function_applies_the_common_rules() -> None:
    hash_one = kernel_hash_function(str.strip)
    assert hash_one(None) is None
    assert hash_one("  ") is None  # normalizes to "": invalid, never sha256("")
    assert hash_one(DIGEST) is DIGEST
    assert hash_one(" a ") == hashlib.sha256(b"a").hexdigest()
    assert hash_one(12.0) == hashlib.sha256(b"12").hexdigest()


@PROFILE
@given(
    value=st.one_of(values, st.just(DIGEST), st.none(), st.integers(), st.floats()),
    pii_type=st.sampled_from(list(PiiType)),
    cc=st.sampled_from(sorted(SUPPORTED_COUNTRIES)),
)
def test_compiled_hash_functions_equal_the_kernel(value: object, pii_type: PiiType, cc: str) -> None:
    rule = get_rule(pii_type, cc)
    slow = kernel_hash_function(rule.kernel)
    assert compile_hash_function(rule)(value) == slow(value)
    assert compile_batch_hash_function(rule)([value, value]) == [slow(value)] * 2


class _Text(str):
    """A str subclass: equal to its str, but not the same cell to `distinct_values`."""


@pytest.mark.parametrize(
    "cells",
    [
        ["TX", "TX", " tx", None, "TX", None, DIGEST, (" " + DIGEST)[1:], "", "é", "é", "TX"],
        [1, 1.0, True, 1, 1.0, True, "1", "1"],  # equal keys, three different cells
        ["TX", _Text("TX"), "TX", "TX"],
        ["TX", ["TX"], "TX", "TX"],  # unhashable
        ["TX", "CA", "NY", "TX"],  # too few repeats
        [None, None, None],
        [],
    ],
)
@pytest.mark.parametrize(
    ("pii_type", "cc"), [(PiiType.STATE, "US"), (PiiType.ZIP, "GB"), (PiiType.CITY, "FR")]
)
def test_distinct_values_equals_the_batch_function(cells: list[object], pii_type: PiiType, cc: str) -> None:
    """Hashing each distinct cell once gives what hashing each cell gives, a prehashed cell as itself."""
    rule = get_rule(pii_type, cc)
    slow = kernel_hash_function(rule.kernel)
    calls: list[int] = []

    def batch(values: list[object]) -> list[str | None]:
        calls.append(len(values))
        return [slow(v) for v in values]

    got = distinct_values(batch)(cells)
    assert got == [slow(v) for v in cells]
    assert [d is v for d, v in zip(got, cells, strict=True)] == [slow(v) is v for v in cells]
    assert rule.repeats and compile_batch_hash_function(rule)(cells) == got
    if (
        cells
        and all(c.__class__ in (str, type(None)) for c in cells)
        and len(set(cells)) <= 0.75 * len(cells)
    ):
        assert calls == [len(set(cells))]  # each distinct cell once
    else:
        assert calls == [len(cells)]
