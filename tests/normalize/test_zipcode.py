"""ZIP (amc_normalize.zipcode): the compiled hash functions equal the kernel, in every country."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.core import get_rule
from tests.normalize.fast_paths import PROFILE, assert_fast_paths_agree, values

COUNTRIES = sorted(SUPPORTED_COUNTRIES)
postal = st.one_of(values, st.from_regex(r"[ A-Za-z0-9-]{3,10}", fullmatch=True))


@PROFILE
@example(value="75236-9599", cc="US")
@example(value="７５２３６", cc="US")
@example(value="sw1a 1aa", cc="GB")
@given(value=postal, cc=st.sampled_from(COUNTRIES))
def test_fast_paths_equal_kernel(value: str, cc: str) -> None:
    assert_fast_paths_agree(get_rule("ZIP", cc), value)


def test_non_ascii_characters_do_not_count() -> None:
    assert get_rule("ZIP", "US").kernel("75ä236") == "75236"
