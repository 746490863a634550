"""STATE (amc_normalize.state): the ASCII shortcut equals the general rule, in every country."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize import SUPPORTED_COUNTRIES
from amc_normalize.core import get_rule
from amc_normalize.registry import state_tables
from tests.normalize.fast_paths import FORCE_UNICODE, PROFILE, ascii_text, assert_fast_paths_agree, values

COUNTRIES = sorted(SUPPORTED_COUNTRIES)
NAMES = sorted({name for table in state_tables().values() for name in table})
# Full names as files spell them: any case, words apart, with punctuation.
state_names = st.tuples(
    st.sampled_from(NAMES), st.sampled_from(["", " ", "-", ".", "'"]), st.integers(0, 20), st.booleans()
).map(lambda t: (t[0][: t[2]] + t[1] + t[0][t[2] :]).title() if t[3] else t[0].lower())


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
@example(value="New York", cc="US")
@given(value=st.one_of(values, state_names), cc=st.sampled_from(COUNTRIES))
def test_fast_paths_equal_kernel(value: str, cc: str) -> None:
    assert_fast_paths_agree(get_rule("STATE", cc), value)
