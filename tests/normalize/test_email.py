"""EMAIL (amc_normalize.email): the inlined hash and batch functions equal the kernel."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from amc_normalize.email import RULE, normalize_email
from tests.normalize.fast_paths import FORCE_UNICODE, PROFILE, ascii_text, assert_fast_paths_agree, values

emails = st.one_of(values, st.from_regex(r"[ A-Za-z0-9_.+@-]{0,12}@[ A-Za-z0-9_.+@-]{0,12}", fullmatch=True))


@PROFILE
@example("John.Doe+news@Gmail.COM ")
@given(value=ascii_text)
def test_ascii_shortcut_equals_general_path(value: str) -> None:
    assert normalize_email(value) == normalize_email(value + FORCE_UNICODE)


@PROFILE
@example("@nope.com")
@example("a@@b.com")
@example("0123456789abcdef" * 4)
@example("ünïcödé@exämple.de")
@given(value=emails)
def test_fast_paths_equal_kernel(value: str) -> None:
    assert_fast_paths_agree(RULE, value)


@PROFILE
@given(value=emails)
def test_address_test_equals_the_reference_regex(value: str) -> None:
    kept = re.sub(r"[^\w.@+-]+", "", value.lower())
    assert bool(normalize_email(value)) == bool(re.match(r"[\w.+-]+@[\w.+-]", kept))
