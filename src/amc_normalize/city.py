"""CITY (spec: normalization.md, section CITY): lowercase, keep `a-z0-9`, no transliteration."""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_ALNUM, ASCII_LOWER, ascii_filter, lowercase_alnum_rule

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)


def normalize_city(value: str) -> str:
    if value.isascii():
        return _ascii(value.encode()).decode()
    return _NON_ALNUM.sub("", value.lower())


# A file's cities are few: each distinct one is hashed once per batch.
RULE, PII_RULE = lowercase_alnum_rule(normalize_city, "city.no_letters", repeats=True)
