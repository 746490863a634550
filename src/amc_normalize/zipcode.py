"""ZIP / postal code (spec: normalization.md, section ZIP).

Keep digits (or letters and digits), truncate to the country's length, require the country's pattern.
**Correction**: CA and GB letters are upper-cased (the reference rejected lower-case input).
"""

from __future__ import annotations

import re

from amc_normalize.registry import ZipRule, country_rules
from amc_normalize.rule import ASCII_UPPER, Rule, ascii_filter

_FILTERS = {
    "digits": ascii_filter(b"0123456789", ASCII_UPPER),
    "alnum": ascii_filter(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ASCII_UPPER),
}
# Only ASCII letters and digits count (the reference's `[^0-9]` / `[^0-9A-Za-z]`).
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def make_zip_normalizer(rule: ZipRule) -> Rule:
    keep = _FILTERS[rule.keep]
    length = rule.length
    pattern = re.compile(rule.pattern)
    fullmatch = pattern.fullmatch

    def normalize_zip(value: str) -> str:
        if not value.isascii():
            value = _NON_ASCII.sub("", value)
        kept = keep(value.encode()).decode()[:length]
        return kept if fullmatch(kept) else ""

    def explain(value: str) -> str:
        return "zip.pattern"

    return Rule(kernel=normalize_zip, explain=explain)


def build(country_code: str) -> Rule:
    return make_zip_normalizer(country_rules(country_code).zip)
