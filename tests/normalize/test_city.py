"""CITY (amc_normalize.city): the ASCII fast paths equal the general rule."""

from __future__ import annotations

from hypothesis import example, given

from amc_normalize.city import RULE, normalize_city
from tests.normalize.fast_paths import FORCE_UNICODE, PROFILE, ascii_text, assert_fast_paths_agree, values


@PROFILE
@example("New York")
@given(value=ascii_text)
def test_ascii_shortcut_equals_general_path(value: str) -> None:
    assert normalize_city(value) == normalize_city(value + FORCE_UNICODE)


@PROFILE
@example("Zürich")
@given(value=values)
def test_fast_paths_equal_kernel(value: str) -> None:
    assert_fast_paths_agree(RULE, value)


def test_no_transliteration() -> None:
    assert normalize_city("Zürich") == "zrich"
