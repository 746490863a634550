"""FIRST_NAME, LAST_NAME, NAME (amc_normalize.names): the ASCII fast paths equal the general rule."""

from __future__ import annotations

from hypothesis import example, given

from amc_normalize.names import RULE, normalize_name
from tests.normalize.fast_paths import FORCE_UNICODE, PROFILE, ascii_text, assert_fast_paths_agree, values


@PROFILE
@example("Jean-Luc O'Brien")
@given(value=ascii_text)
def test_ascii_shortcut_equals_general_path(value: str) -> None:
    assert normalize_name(value) == normalize_name(value + FORCE_UNICODE)


@PROFILE
@example("Straße Ærø")
@given(value=values)
def test_fast_paths_equal_kernel(value: str) -> None:
    assert_fast_paths_agree(RULE, value)


def test_transliteration() -> None:
    assert normalize_name("Jürgen Straße") == "juergenstrasse"
    assert normalize_name("Øre-Æble") == "oreaeble"
