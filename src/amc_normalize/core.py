"""Value-level API: normalize / hash one value, detailed outcomes, compiled hashers for hot loops.

Common rules (spec: normalization.md, section Common rules): a 64-character lowercase hex value is
already hashed and passes through; null stays null; an empty or blank string is null; **Correction**:
a value that normalizes to "" is invalid (None), never sha256("").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cache
from hashlib import sha256
from types import ModuleType
from typing import Any

from amc_normalize import address, city, email, names, phone, state, zipcode
from amc_normalize.registry import resolve
from amc_normalize.rule import Rule
from amc_normalize.types import NormalizedValue, Outcome, PiiType, make_value

_MODULES: dict[PiiType, ModuleType] = {
    PiiType.FIRST_NAME: names,
    PiiType.LAST_NAME: names,
    PiiType.NAME: names,
    PiiType.EMAIL: email,
    PiiType.PHONE: phone,
    PiiType.ADDRESS: address,
    PiiType.CITY: city,
    PiiType.STATE: state,
    PiiType.ZIP: zipcode,
}

_HEX = frozenset("0123456789abcdef")
_NULL = NormalizedValue(Outcome.NULL, None, None)


def is_prehashed(value: str) -> bool:
    """Exactly 64 characters of `0-9a-f` (spec: Common rules)."""
    return len(value) == 64 and _HEX.issuperset(value)


def coerce_text(value: object) -> str | None:
    """Non-string input (JSON numbers, pandas floats): integral floats lose their `.0`, NaN is null."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    return str(value)


@cache
def get_rule(pii_type: str | PiiType, country_code: str) -> Rule:
    """The compiled rule of a (type, country); raises the typed configuration errors."""
    t, cc = resolve(pii_type, country_code)
    if (t, cc) != (pii_type, country_code):
        return get_rule(t, cc)
    rule: Rule = _MODULES[t].build(cc)
    return rule


HashFunction = Callable[[object], "str | None"]


@cache
def get_hash_function(pii_type: str | PiiType, country_code: str) -> HashFunction:
    """Fastest form: raw value -> 64-hex digest, the value itself when prehashed, or None.

    None means null or invalid; `classify_missing` tells which. `normalize_records` uses this.
    Equivalent spellings (`"email"`, `PiiType.EMAIL`; `"us"`, `"US"`) share one compiled function.
    """
    return _build_hash_function(*resolve(pii_type, country_code))


@cache
def _build_hash_function(pii_type: PiiType, country_code: str) -> HashFunction:
    rule = get_rule(pii_type, country_code)
    if rule.hash_function is not None:
        return rule.hash_function
    kernel = rule.kernel
    ascii_kernel = rule.ascii_kernel
    hexset = _HEX

    def hash_one(value: Any) -> str | None:
        raw: str | None = value if value.__class__ is str else coerce_text(value)
        if raw is None:
            return None
        if len(raw) == 64 and hexset.issuperset(raw):
            return raw
        text = kernel(raw)
        if text:
            return sha256(text.encode()).hexdigest()
        return None

    def hash_one_ascii(value: Any) -> str | None:
        raw: str | None = value if value.__class__ is str else coerce_text(value)
        if raw is None:
            return None
        if len(raw) == 64 and hexset.issuperset(raw):
            return raw
        if raw.isascii():
            data = ascii_kernel(raw.encode())  # type: ignore[misc]
            return sha256(data).hexdigest() if data else None
        text = kernel(raw)
        if text:
            return sha256(text.encode()).hexdigest()
        return None

    table = rule.ascii_table
    if table is None:
        return hash_one if ascii_kernel is None else hash_one_ascii

    def hash_one_table(value: Any) -> str | None:
        # The ASCII path of a translate-only rule (names, CITY), inlined: no kernel call at all.
        if value.__class__ is str and value.isascii():
            if len(value) == 64 and hexset.issuperset(value):
                return value
            data = value.encode().translate(table)
            if 0 in data:
                data = data.replace(b"\0", b"")
            return sha256(data).hexdigest() if data else None
        return hash_one(value)

    return hash_one_table


BatchHashFunction = Callable[[Iterable[Any]], "list[str | None]"]


@cache
def get_batch_hash_function(pii_type: str | PiiType, country_code: str) -> BatchHashFunction:
    """`get_hash_function` over a batch: values in, digests (or prehashed values, or None) out.

    For column batches (pandas, Spark pandas UDFs); the hottest types loop without a call per value.
    """
    return _build_batch_hash_function(*resolve(pii_type, country_code))


@cache
def _build_batch_hash_function(pii_type: PiiType, country_code: str) -> BatchHashFunction:
    rule = get_rule(pii_type, country_code)
    if rule.batch_hash_function is not None:
        return rule.batch_hash_function
    hash_one = _build_hash_function(pii_type, country_code)
    table = rule.ascii_table
    if table is None:

        def hash_batch(values: Iterable[Any]) -> list[str | None]:
            return [hash_one(v) for v in values]

        return hash_batch
    hexset = _HEX

    def hash_batch_table(values: Iterable[Any]) -> list[str | None]:
        out: list[str | None] = []
        append = out.append
        for value in values:
            if value.__class__ is str and value.isascii():
                if len(value) == 64 and hexset.issuperset(value):
                    append(value)
                    continue
                data = value.encode().translate(table)
                if 0 in data:
                    data = data.replace(b"\0", b"")
                append(sha256(data).hexdigest() if data else None)
            else:
                append(hash_one(value))
        return out

    return hash_batch_table


def classify_missing(rule: Rule, value: object) -> tuple[Outcome, str | None]:
    """Outcome of a value whose hash/normalization came out None: NULL or INVALID with a reason."""
    text = coerce_text(value)
    if text is None or not text.strip():
        return Outcome.NULL, None
    return Outcome.INVALID, rule.explain(text)


def _detail(rule: Rule, value: object, hashed: bool) -> NormalizedValue:
    text = coerce_text(value)
    if text is None or not text.strip():
        return _NULL
    if is_prehashed(text):
        return NormalizedValue(Outcome.PREHASHED, text, None)
    normalized = rule.kernel(text)
    if not normalized:
        return NormalizedValue(Outcome.INVALID, None, rule.explain(text))
    if hashed:
        return NormalizedValue(Outcome.OK, sha256(normalized.encode()).hexdigest(), None)
    return NormalizedValue(Outcome.OK, normalized, None)


def normalize_detailed(value: str | None, pii_type: str | PiiType, country_code: str) -> NormalizedValue:
    """Normalized clear text with its outcome and reason."""
    return _detail(get_rule(pii_type, country_code), value, hashed=False)


def hash_detailed(value: str | None, pii_type: str | PiiType, country_code: str) -> NormalizedValue:
    """SHA-256 (64 lowercase hex) of the normalized text with its outcome and reason."""
    return _detail(get_rule(pii_type, country_code), value, hashed=True)


def normalize(value: str | None, pii_type: str | PiiType, country_code: str) -> str | None:
    """Normalized clear text; None for null or invalid input; prehashed values unchanged."""
    return normalize_detailed(value, pii_type, country_code).value


def hash_value(value: str | None, pii_type: str | PiiType, country_code: str) -> str | None:
    """SHA-256 lowercase hex of the normalized text; prehashed passthrough; None for null/invalid."""
    return get_hash_function(pii_type, country_code)(value)


@cache
def get_hasher(pii_type: str | PiiType, country_code: str) -> Callable[[str | None], NormalizedValue]:
    """Compiled, cached equivalent of `hash_detailed` for one (type, country)."""
    return _build_hasher(*resolve(pii_type, country_code))


@cache
def _build_hasher(pii_type: PiiType, country_code: str) -> Callable[[str | None], NormalizedValue]:
    rule = get_rule(pii_type, country_code)
    hash_one = get_hash_function(pii_type, country_code)
    ok = Outcome.OK

    def hasher(value: str | None) -> NormalizedValue:
        digest = hash_one(value)
        if digest is None:
            outcome, reason = classify_missing(rule, value)
            return _NULL if outcome is Outcome.NULL else NormalizedValue(outcome, None, reason)
        if digest is value:
            return make_value(Outcome.PREHASHED, digest, None)
        return make_value(ok, digest, None)

    return hasher
