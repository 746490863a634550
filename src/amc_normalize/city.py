"""CITY (spec: normalization.md, section CITY): lowercase, keep `a-z0-9`, no transliteration."""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_ALNUM, ASCII_LOWER, Rule, ascii_filter, ascii_table

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)


def normalize_city(value: str) -> str:
    if value.isascii():
        return _ascii(value.encode()).decode()
    return _NON_ALNUM.sub("", value.lower())


def _explain(value: str) -> str:
    return "city.no_letters"


RULE = Rule(
    kernel=normalize_city,
    explain=_explain,
    ascii_kernel=_ascii,
    ascii_table=ascii_table(ASCII_ALNUM, ASCII_LOWER),
)


def build(country_code: str) -> Rule:
    return RULE
