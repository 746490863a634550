"""Country mismatch: values of a single-country file that look like another supported country's.

A German phone (`+49 ...`) or a Japanese postcode (`100-0001`) in a file hashed with the US rules is
destroyed: null, or a wrong hash. This finds such values without normalizing them: phones in
international `+` form whose calling code is another supported country's, and postcodes that fit another
supported country's pattern but not this one's. Values are only tested, never returned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

import phonenumbers

from amc_normalize.core import get_rule
from amc_normalize.phone import split_digits
from amc_normalize.registry import SUPPORTED_COUNTRIES, canonical_country, country_rules, parse_pii_type
from amc_normalize.types import PiiType

#: The PII types whose values can betray another country.
MISMATCH_TYPES = (PiiType.PHONE, PiiType.ZIP)
#: Shares below this are noise (a customer abroad), not a wrong country.
MIN_SHARE = 0.01

_PLUS_SIGNS = ("+", "\uff0b")
_NON_DIGIT = re.compile(r"[^0-9]")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
# US ZIP+4 (`75236-9599`): the one longer form the ZIP rule's truncation exists for.
_ZIP_PLUS_4 = re.compile(r"[0-9]{5}[ -]?[0-9]{4}")


@cache
def _calling_codes() -> dict[str, str]:
    return {cc: str(phonenumbers.country_code_for_region(cc)) for cc in sorted(SUPPORTED_COUNTRIES)}


def looks_like_postcode(value: str, country_code: str) -> bool:
    """Does `value` read as a postcode of this country as it stands, not only after the ZIP rule's
    truncation (which turns `2024-02-15` into `20240` and `1,250.00` into `12500`)?"""
    cc = canonical_country(country_code)
    rule = country_rules(cc).zip
    text = value.strip()
    if not text or not text.isascii() or len(text) > 16:
        return False
    kept = _NON_DIGIT.sub("", text) if rule.keep == "digits" else _NON_ALNUM.sub("", text)
    if len(kept) > rule.length and not (cc == "US" and _ZIP_PLUS_4.fullmatch(text)):
        return False
    return bool(get_rule(PiiType.ZIP, cc).kernel(text))


def _foreign_phone(value: str, country_code: str) -> tuple[str, ...]:
    text = value.strip()
    if not text.startswith(_PLUS_SIGNS):
        return ()
    digits, _ = split_digits(text)
    codes = _calling_codes()
    own = codes.get(country_code) or str(phonenumbers.country_code_for_region(country_code))
    if digits.startswith(own):
        return ()
    others = [cc for cc, code in codes.items() if digits.startswith(code)]
    if not others or not get_rule(PiiType.PHONE, others[0]).kernel(text):
        return ()
    if len(others) > 1:
        # Countries sharing a calling code (+1: US and CA): the number's own region decides.
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(text, None))
        except phonenumbers.NumberParseException:
            return ()
        others = [cc for cc in others if cc == region]
    return tuple(others)


def foreign_countries(value: object, pii_type: str | PiiType, country_code: str) -> tuple[str, ...]:
    """The other supported countries one value looks like (empty: it fits this country, or none)."""
    if not isinstance(value, str):
        return ()
    t = parse_pii_type(pii_type)
    cc = canonical_country(country_code)
    if t is PiiType.PHONE:
        return _foreign_phone(value, cc)
    if t is PiiType.ZIP and value.strip() and not looks_like_postcode(value, cc):
        return tuple(o for o in sorted(SUPPORTED_COUNTRIES) if o != cc and looks_like_postcode(value, o))
    return ()


def mismatch_counts(
    values: Iterable[object], pii_type: str | PiiType, country_code: str
) -> tuple[int, Counter[str]]:
    """(rows seen, rows per other country their value looks like); blanks count as rows."""
    rows = 0
    counts: Counter[str] = Counter()
    for value in values:
        rows += 1
        counts.update(foreign_countries(value, pii_type, country_code))
    return rows, counts


def country_mismatch(
    values: Iterable[object],
    pii_type: str | PiiType,
    country_code: str,
    *,
    min_share: float = MIN_SHARE,
) -> list[tuple[str, float]]:
    """(other country, share of rows) for each supported country at least `min_share` of the rows look
    like, most first. Only PHONE and ZIP are checked (other types: always empty)."""
    rows, counts = mismatch_counts(values, pii_type, country_code)
    if not rows:
        return []
    shares = [(cc, n / rows) for cc, n in counts.items() if n / rows >= min_share]
    return sorted(shares, key=lambda item: (-item[1], item[0]))
