"""FIRST_NAME, LAST_NAME and NAME (spec: normalization.md, section FIRST_NAME, LAST_NAME)."""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_ALNUM, ASCII_LOWER, Rule, ascii_filter, ascii_table

# Spec step 2: transliterate these six letters; every other accented letter is deleted in step 3.
_TRANSLITERATION = (("ß", "ss"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ø", "o"), ("æ", "ae"))
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)


def normalize_name(value: str) -> str:
    """Lowercase, transliterate, keep `a-z0-9`; "" when nothing is left."""
    if value.isascii():
        # Same result as the general path for ASCII input, one C-level pass.
        return _ascii(value.encode()).decode()
    text = value.lower()
    for src, dst in _TRANSLITERATION:
        if src in text:
            text = text.replace(src, dst)
    return _NON_ALNUM.sub("", text)


def _explain(value: str) -> str:
    return "name.no_letters"


RULE = Rule(
    kernel=normalize_name,
    explain=_explain,
    ascii_kernel=_ascii,
    ascii_table=ascii_table(ASCII_ALNUM, ASCII_LOWER),
)


def build(country_code: str) -> Rule:
    """Names follow the same rule in every country."""
    return RULE
