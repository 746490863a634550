"""Value-level API: normalize / hash one value, detailed outcomes, compiled hashers for hot loops.

The common rules (null, blank, prehashed, "" is invalid) are `amc_normalize.common`; each PII type's
rule, fast paths and Spark form are its own module, listed once in `PII_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from hashlib import sha256

from amc_normalize import address, city, email, names, phone, state, zipcode
from amc_normalize.common import (
    BatchHashFunction,
    HashFunction,
    blank_to_null,
    compile_batch_hash_function,
    compile_hash_function,
    is_prehashed,
    value_reason,
)
from amc_normalize.registry import parse_pii_type, resolve
from amc_normalize.rule import PiiRule, Rule
from amc_normalize.types import NormalizedValue, Outcome, PiiType, make_value

#: The module of every PII type.
PII_RULES: dict[PiiType, PiiRule] = {
    PiiType.FIRST_NAME: names.PII_RULE,
    PiiType.LAST_NAME: names.PII_RULE,
    PiiType.NAME: names.PII_RULE,
    PiiType.EMAIL: email.PII_RULE,
    PiiType.PHONE: phone.PII_RULE,
    PiiType.ADDRESS: address.PII_RULE,
    PiiType.CITY: city.PII_RULE,
    PiiType.STATE: state.PII_RULE,
    PiiType.ZIP: zipcode.PII_RULE,
}

_NULL = NormalizedValue(Outcome.NULL, None, None)


def pii_rule(pii_type: str | PiiType) -> PiiRule:
    """What the module of a PII type provides (rule builder, native Spark form)."""
    return PII_RULES[parse_pii_type(pii_type)]


@cache
def get_rule(pii_type: str | PiiType, country_code: str) -> Rule:
    """The compiled rule of a (type, country); raises the typed configuration errors."""
    t, cc = resolve(pii_type, country_code)
    if (t, cc) != (pii_type, country_code):
        return get_rule(t, cc)
    return PII_RULES[t].build(cc)


@cache
def get_hash_function(pii_type: str | PiiType, country_code: str) -> HashFunction:
    """Fastest form: raw value -> 64-hex digest, the value itself when prehashed, or None.

    None means null or invalid; `classify_missing` tells which. `normalize_records` uses this.
    Equivalent spellings (`"email"`, `PiiType.EMAIL`; `"us"`, `"US"`) share one compiled function.
    """
    return _build_hash_function(*resolve(pii_type, country_code))


@cache
def _build_hash_function(pii_type: PiiType, country_code: str) -> HashFunction:
    return compile_hash_function(get_rule(pii_type, country_code))


@cache
def get_batch_hash_function(pii_type: str | PiiType, country_code: str) -> BatchHashFunction:
    """`get_hash_function` over a batch: values in, digests (or prehashed values, or None) out.

    For column batches (pandas, Spark pandas UDFs); the hottest types loop without a call per value.
    """
    return _build_batch_hash_function(*resolve(pii_type, country_code))


@cache
def _build_batch_hash_function(pii_type: PiiType, country_code: str) -> BatchHashFunction:
    return compile_batch_hash_function(get_rule(pii_type, country_code))


def classify_missing(rule: Rule, value: object) -> tuple[Outcome, str | None]:
    """Outcome of a value whose hash/normalization came out None: NULL or INVALID with a reason."""
    reason = value_reason(value)
    if reason is not None:
        return Outcome.INVALID, reason
    text = blank_to_null(value)
    if text is None:
        return Outcome.NULL, None
    return Outcome.INVALID, rule.explain(text)


def _detail(rule: Rule, value: object, hashed: bool) -> NormalizedValue:
    reason = value_reason(value)
    if reason is not None:
        return NormalizedValue(Outcome.INVALID, None, reason)
    text = blank_to_null(value)
    if text is None:
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
    return make_hasher(get_rule(pii_type, country_code), get_hash_function(pii_type, country_code))


def make_hasher(rule: Rule, hash_one: HashFunction) -> Callable[[str | None], NormalizedValue]:
    """`hash_detailed` of one compiled rule and its hash function."""
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
