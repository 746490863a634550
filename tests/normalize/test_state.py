"""STATE (amc_normalize.state): the ASCII shortcut equals the general rule, in every country."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.core import get_rule
from tests.normalize.fast_paths import FORCE_UNICODE, PROFILE, ascii_text, assert_fast_paths_agree, values

COUNTRIES = sorted(SUPPORTED_COUNTRIES)


@PROFILE
@example(value="Texas", cc="US")
@given(value=ascii_text, cc=st.sampled_from(COUNTRIES))
def test_ascii_shortcut_equals_general_path(value: str, cc: str) -> None:
    rule = get_rule("STATE", cc)
    # The length test counts raw characters; compare on values where the appended one cannot matter.
    if len(value) > 2:
        assert rule.kernel(value) == rule.kernel(value + FORCE_UNICODE)


@PROFILE
@example(value="Île-de-France", cc="FR")
@given(value=values, cc=st.sampled_from(COUNTRIES))
def test_fast_paths_equal_kernel(value: str, cc: str) -> None:
    assert_fast_paths_agree(get_rule("STATE", cc), value)
