"""ADDRESS, the street line (spec: normalization.md, section ADDRESS).

1. trim, `str.upper`; 2. split on the delimiters (runs of commas with optional surrounding spaces, the
word `C/O`, `!`, brackets, whitespace, `.`), which are dropped; 3. dash rule; 4. pound rule; 5. replace
each token through the country's word tables (the last entry with that key wins, no chaining);
6. concatenate and lowercase. Not idempotent by contract (spec note): never re-normalize output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Any

from amc_normalize.common import (
    BATCH_SEPARATOR,
    HEX,
    kernel_hash_function,
    restore_prehashed,
    separator_table,
    translate_joined,
)
from amc_normalize.registry import address_tables, country_rules
from amc_normalize.rule import PiiRule, Rule

# The reference's delimiter patterns (its DELIMITER_PATTERN_MAP) plus `.` from the spec. They are
# disjoint character sets except C/O, so one alternation splits exactly like the reference's passes.
_DELIMITERS = re.compile(r"(?:\s?,\s?)+|\bC/O\b|!|[\[\]{}()]|\s+|\.")
# Fast path when `C/O` is absent: the single-character delimiters become spaces, then str.split()
# (str.split and `\s` agree on what whitespace is).
_TO_SPACE = str.maketrans({c: " " for c in ",![]{}()."})
# Spec step 4: LETTERS#REST with REST in 0-9A-Z-/ (the whole token).
_POUND = re.compile(r"([A-Z]*)#([0-9A-Z\-/]*)")


def tokenize(text: str) -> list[str]:
    """Steps 1-2: upper-cased tokens, delimiters dropped."""
    upper = text.strip().upper()
    if "C/O" in upper:
        return [t for t in _DELIMITERS.split(upper) if t]
    return upper.translate(_TO_SPACE).split()


def _dash(token: str) -> list[str] | None:
    # Spec step 3 (the reference uses str.isnumeric): `12-A` -> `12`, `A`.
    index = token.rfind("-")
    if 0 < index < len(token) - 1:
        first, second = token[:index], token[index + 1 :]
        if first.isnumeric() and not second.isnumeric():
            return [first, second]
    return None


def _pound(token: str) -> list[str] | None:
    match = _POUND.fullmatch(token)
    if match is None:
        return None
    letters, rest = match.group(1), match.group(2)
    if not letters and not rest:
        return None
    return [part for part in (letters, "#", rest) if part]


def split_tokens(tokens: Sequence[str]) -> list[str]:
    """Steps 3-4 over every token (dash first, then pound)."""
    out: list[str] = []
    for token in tokens:
        if "-" in token and (parts := _dash(token)) is not None:
            out.extend(parts)
        else:
            out.append(token)
    if any("#" in t for t in out):
        pounded: list[str] = []
        for token in out:
            if "#" in token and (parts := _pound(token)) is not None:
                pounded.extend(parts)
            else:
                pounded.append(token)
        out = pounded
    return out


def build_word_map(table_names: Sequence[str]) -> dict[str, str]:
    """Later entries override earlier ones: the last matching entry wins (spec step 5)."""
    tables = address_tables()
    words: dict[str, str] = {}
    for name in table_names:
        for key, replacement in tables[name]:
            words[key] = replacement
    return words


# ASCII fast path: lower-case and turn every single-byte delimiter into a space in one bytes.translate;
# \x1c-\x1f are whitespace to str.split and `\s` but not to bytes.split, so they become spaces too.
_ASCII_TOKENS = bytes(
    0x20 if (b in b",![]{}()." or 0x1C <= b <= 0x1F) else (b + 32 if 0x41 <= b <= 0x5A else b)
    for b in range(256)
)

_BATCH_TOKENS = separator_table(_ASCII_TOKENS)
SEPARATOR = BATCH_SEPARATOR.encode()
SPACED_SEPARATOR = b" " + SEPARATOR + b" "


def make_address_normalizer(words: dict[str, str]) -> Rule:
    get = words.get
    # For ASCII input, tokens are matched lower-cased against the lower-cased keys (only keys without
    # a-z can match a `str.upper` token), replacements pre-lowered: the result needs no final lower().
    byte_words = {
        k.lower().encode(): v.lower().encode() for k, v in words.items() if k.isascii() and k == k.upper()
    }
    get_bytes = byte_words.get

    def normalize_address(value: str) -> str:
        tokens = tokenize(value)
        if any(("-" in t or "#" in t) for t in tokens):
            tokens = split_tokens(tokens)
        return "".join(map(get, tokens, tokens)).lower()

    def normalize_ascii(data: bytes) -> bytes:
        lowered = data.translate(_ASCII_TOKENS)
        # int needles (memchr) are several times cheaper than bytes needles for `in`.
        if 45 in lowered or 35 in lowered or (47 in lowered and b"c/o" in lowered):  # "-", "#", "/"
            return normalize_address(data.decode()).encode()
        tokens = lowered.split()
        return b"".join(map(get_bytes, tokens, tokens))

    def explain(value: str) -> str:
        return "address.empty"

    generic = kernel_hash_function(normalize_address)

    def hash_address(value: Any) -> str | None:
        # `compile_hash_function` of this rule with `normalize_ascii` inlined.
        if value.__class__ is str and value.isascii():
            if len(value) == 64 and HEX.issuperset(value):
                return value
            lowered = value.encode().translate(_ASCII_TOKENS)
            if 45 in lowered or 35 in lowered or (47 in lowered and b"c/o" in lowered):
                data = normalize_address(value).encode()
            else:
                tokens = lowered.split()
                data = b"".join(map(get_bytes, tokens, tokens))
            return sha256(data).hexdigest() if data else None
        return generic(value)

    # The whole-batch form below marks value boundaries by BATCH_SEPARATOR tokens: no word may hold it.
    batch_words = not any(SEPARATOR in k or SEPARATOR in v for k, v in byte_words.items())

    def hash_addresses(values: Iterable[Any]) -> list[str | None]:
        # `hash_address` over a batch: one translate for all (`translate_joined`; NUL is a token
        # character here), then the word tables over every token of the batch at once: each separator
        # made a token of its own, the replaced tokens joined and split again at the separators.
        values = values if isinstance(values, list) else list(values)
        translated = translate_joined(values, _BATCH_TOKENS, delete_nul=False)
        if translated is None or not batch_words:
            return list(map(hash_address, values))
        data, others = translated
        tokens = data.replace(SEPARATOR, SPACED_SEPARATOR).split()
        results = b"".join(map(get_bytes, tokens, tokens)).split(SEPARATOR)
        if 45 in data or 35 in data or (47 in data and b"c/o" in data):  # "-", "#", "/": the full rule
            for at, lowered in enumerate(data.split(SEPARATOR)):
                if 45 in lowered or 35 in lowered or (47 in lowered and b"c/o" in lowered):
                    results[at] = normalize_address(values[at]).encode()
        digest = sha256
        out: list[str | None] = [digest(r).hexdigest() if r else None for r in results]
        for at in others:
            out[at] = hash_address(values[at])
        return restore_prehashed(values, out)

    return Rule(
        kernel=normalize_address,
        explain=explain,
        ascii_kernel=normalize_ascii,
        hash_function=hash_address,
        batch_hash_function=hash_addresses,
    )


def build(country_code: str) -> Rule:
    return make_address_normalizer(build_word_map(country_rules(country_code).address_tables))


#: No native Spark form: Spark runs every value through this Python rule.
PII_RULE = PiiRule(build=build)
