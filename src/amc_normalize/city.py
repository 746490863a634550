"""CITY (spec: normalization.md, section CITY): lowercase, keep `a-z0-9`, no transliteration."""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_ALNUM, ASCII_LOWER, Rule, ascii_delete_table

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ASCII_DELETE = ascii_delete_table(ASCII_ALNUM)


def normalize_city(value: str) -> str:
    if value.isascii():
        return value.encode().translate(ASCII_LOWER, _ASCII_DELETE).decode()
    return _NON_ALNUM.sub("", value.lower())


def _explain(value: str) -> str:
    return "city.no_letters"


RULE = Rule(kernel=normalize_city, explain=_explain)


def build(country_code: str) -> Rule:
    return RULE
