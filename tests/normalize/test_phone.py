"""PHONE (amc_normalize.phone): the fast path equals phonenumbers.parse + is_possible_number + E.164."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amc_normalize.common import kernel_hash_function
from amc_normalize.core import get_rule
from amc_normalize.phone import (
    _Fallback,
    _region_plan,
    compile_phone_result,
    fast_international,
    fast_national,
    phone_result,
    slow_phone,
    split_digits,
)
from tests.normalize.fast_paths import assert_fast_paths_agree, values

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
MAIN = ["US", "GB", "CA", "DE", "FR", "ES", "IT", "JP", "IN", "BR", "AR", "MX", "AU", "CN", "RU", "NL", "CH"]
PROFILE = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _example_digits(region: str) -> list[str]:
    out = []
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None:
            out.append(phonenumbers.national_significant_number(number))
    return out or ["1234567"]


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, bool, str]:
    """(digits, plus, region): random digits, and real-looking numbers with prefixes and noise."""
    region = draw(st.one_of(st.sampled_from(MAIN), st.sampled_from(REGIONS)))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    cc = str(metadata.country_code)
    national_prefix = metadata.national_prefix or ""
    base = draw(st.sampled_from(_example_digits(region)))
    tail = draw(st.text(alphabet="0123456789", max_size=3))
    cut = draw(st.integers(min_value=0, max_value=3))
    core = (base[:-cut] if cut else base) + tail
    digits = draw(
        st.one_of(
            st.text(alphabet="0123456789", min_size=1, max_size=22),
            st.just(core),
            st.just(national_prefix + core),
            st.just(cc + core),
            st.just(cc + national_prefix + core),
            st.just(cc + cc + core),
            st.just("0" + core),
            st.just("00" + cc + core),
        )
    )
    plus = draw(st.booleans())
    return digits, plus, region


def fast_or_slow(digits: str, plus: bool, region: str) -> tuple[str, bool]:
    plan = _region_plan(region)
    try:
        if plus:
            return fast_international(digits)[0], True
        assert plan is not None
        return fast_national(digits, region, plan)[0], True
    except _Fallback:
        return slow_phone(digits, plus, region)[0], False


@PROFILE
@given(case=numbers())
def test_fast_path_equals_phonenumbers(case: tuple[str, bool, str]) -> None:
    digits, plus, region = case
    assert fast_or_slow(digits, plus, region)[0] == slow_phone(digits, plus, region)[0]


@PROFILE
@example(case=("4400793545211", False, "IM"))  # cc + digits read by IM's plan, not GB's (its main)
@example(case=("4400490648649", False, "JE"))
@example(case=("1" + "2" * 18, True, "US"))  # 18 national digits after +1: unparsable, not "not possible"
@example(case=("7" + "9" * 19, True, "US"))
@example(case=("49", True, "DE"))
@given(case=numbers())
def test_compiled_path_equals_the_fast_path(case: tuple[str, bool, str]) -> None:
    """The per-region compiled form (what the hash functions use) gives phone_result's number and reason."""
    digits, plus, region = case
    assert compile_phone_result(region)(digits, plus) == phone_result(
        digits, plus, region, _region_plan(region)
    )


@pytest.mark.parametrize("region", REGIONS)
def test_compiled_path_every_region_examples(region: str) -> None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    cc = str(metadata.country_code)
    prefix = metadata.national_prefix or ""
    compiled = compile_phone_result(region)
    plan = _region_plan(region)
    for base in _example_digits(region):
        for digits in (base, prefix + base, cc + base, cc + prefix + base, base[:-1], base + "0", "0" + base):
            for plus in (False, True):
                assert compiled(digits, plus) == phone_result(digits, plus, region, plan), (region, digits)


@pytest.mark.parametrize("region", REGIONS)
def test_fast_path_every_region_examples(region: str) -> None:
    """Every region's example numbers, national and international, with and without prefixes."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    cc = str(metadata.country_code)
    prefix = metadata.national_prefix or ""
    used_fast = 0
    for base in _example_digits(region):
        for digits, plus in (
            (base, False),
            (prefix + base, False),
            (cc + base, False),
            (cc + base, True),
            (base[:-1], False),
            (base + "0", False),
        ):
            got, fast = fast_or_slow(digits, plus, region)
            assert got == slow_phone(digits, plus, region)[0], (region, plus)
            used_fast += fast
    assert used_fast > 0


def test_fast_path_covers_the_common_cases() -> None:
    """The common shapes never fall back: national digits and `+` international numbers."""
    plan = _region_plan("US")
    assert plan is not None
    assert fast_national("5714120599", "US", plan)[0] == "15714120599"
    assert fast_national("15714120599", "US", plan)[0] == "15714120599"
    assert fast_international("4915112345678")[0] == "4915112345678"
    with pytest.raises(_Fallback):
        fast_national("011491511234567", "US", plan)  # international dialling prefix: slow path


@st.composite
def formatted(draw: st.DrawFn) -> tuple[str, str]:
    """(raw cell, region): the numbers above as files spell them, and any text."""
    digits, plus, region = draw(numbers())
    noise = draw(st.sampled_from(["", " ", "-", "(", ")", ".", "/", "\t", "\x1c", "x", "\uff10", "\u0661"]))
    cut = draw(st.integers(min_value=0, max_value=len(digits)))
    body = digits[:cut] + noise + digits[cut:]
    lead = draw(st.sampled_from(["", " ", "  ", "\n", "\x1f"]))
    sign = draw(st.sampled_from(["+", "\uff0b", "++", "0"])) if plus else ""
    raw = draw(st.one_of(st.just(lead + sign + body), values, st.just("1" * 64), st.just(" " * 3)))
    return raw, region


def _reference_hash(region: str) -> Callable[[object], str | None]:
    """The rule through phonenumbers.parse only, in the common rules: what the fast forms must equal."""

    def kernel(value: str) -> str:
        digits, plus = split_digits(value)
        return slow_phone(digits, plus, region)[0] if digits else ""

    return kernel_hash_function(kernel)


@PROFILE
@example(case=("(571) 412-0599", "US"))
@example(case=(" +49 151 12345678", "DE"))
@example(case=("0" * 64, "GB"))
@example(case=("+", "FR"))
@given(case=formatted())
def test_hash_functions_equal_the_reference(case: tuple[str, str]) -> None:
    """The phone hash and batch functions (inlined ASCII split, fast path) equal the slow rule."""
    value, region = case
    rule = get_rule("PHONE", region)
    assert rule.hash_function is not None
    assert rule.hash_function(value) == _reference_hash(region)(value)
    assert_fast_paths_agree(rule, value)
