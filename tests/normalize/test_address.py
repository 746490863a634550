"""ADDRESS (amc_normalize.address): the tokenizer and ASCII fast paths equal the general rule."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.address import _DELIMITERS, tokenize
from amc_normalize.core import get_rule
from tests.normalize.fast_paths import PROFILE, assert_fast_paths_agree, values

COUNTRIES = sorted(SUPPORTED_COUNTRIES)


@PROFILE
@example(value="C/O John (rear) 5 W. 3rd Ave", cc="US")
@given(value=values, cc=st.sampled_from(COUNTRIES))
def test_tokenizer_fast_path_equals_regex(value: str, cc: str) -> None:
    upper = value.strip().upper()
    assert tokenize(value) == [t for t in _DELIMITERS.split(upper) if t]


@PROFILE
@example(value="123 North Main Street, Apt. #5B", cc="US")
@example(value="12-A Elm Rd.", cc="US")
@example(value="Hauptstraße 5", cc="DE")
@example(value="a\x1cb c/o d", cc="GB")
@given(value=values, cc=st.sampled_from(COUNTRIES))
def test_fast_paths_equal_kernel(value: str, cc: str) -> None:
    assert_fast_paths_agree(get_rule("ADDRESS", cc), value)
