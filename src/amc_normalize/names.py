"""FIRST_NAME, LAST_NAME and NAME (spec: normalization.md, section FIRST_NAME, LAST_NAME): the same rule in
every country."""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_ALNUM, ASCII_LOWER, ascii_filter, lowercase_alnum_rule

# Spec step 2: transliterate these six letters; every other accented letter is deleted in step 3.
_TRANSLITERATION = (("ß", "ss"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ø", "o"), ("æ", "ae"))
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ascii = ascii_filter(ASCII_ALNUM, ASCII_LOWER)


def normalize_name(value: str) -> str:
    """Lowercase, transliterate, keep `a-z0-9`; "" when nothing is left."""
    if value.isascii():
        # Same result as the general path for ASCII input, one C-level pass; the transliterated letters
        # are not ASCII, so the Spark form (ASCII values only) is the same pass.
        return _ascii(value.encode()).decode()
    text = value.lower()
    for src, dst in _TRANSLITERATION:
        if src in text:
            text = text.replace(src, dst)
    return _NON_ALNUM.sub("", text)


RULE, PII_RULE = lowercase_alnum_rule(normalize_name, "name.no_letters")
