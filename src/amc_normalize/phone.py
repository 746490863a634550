"""PHONE (spec: normalization.md, section PHONE): E.164 without the `+`.

Delete every non-digit, remembering a leading `+`; parse `+digits` as international, else the digits as
a national number of the dataset's country; keep the number only if `is_possible_number` accepts it.

Performance: `phonenumbers.parse` costs ~17 us, most of it string scanning a digits-only input does not
need. `_FastPhone` replays parse's steps for digits-only input (country calling code extraction,
national prefix stripping, possible-length tests) with patterns compiled once per region from
phonenumbers' own metadata, and defers to `phonenumbers.parse` for everything it does not replay
(international dialling prefixes such as `00`/`011`, over-long input, `+` followed by an unknown
country code). tests/normalize/test_phone.py proves both paths equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from hashlib import sha256
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, region_code_for_country_code

from amc_normalize.common import (
    HEX,
    is_prehashed,
    kernel_hash_function,
    restore_prehashed,
    separator_table,
    translate_batch,
)
from amc_normalize.rule import PiiRule, Rule, ascii_delete_table

_PLUS_SIGNS = ("+", "\uff0b")  # phonenumbers' PLUS_CHARS
_ASCII_DELETE = ascii_delete_table(b"0123456789")
# Every byte but an ASCII digit to NUL: one translate and one replace, cheaper than translate's delete.
_DIGITS_ONLY = bytes(b if 0x30 <= b <= 0x39 else 0 for b in range(256))
_BATCH_DIGITS = separator_table(bytes(b if 0x30 <= b <= 0x39 or b == 0x2B else 0 for b in range(256)))
_NON_DIGIT = re.compile(r"\D+")
# phonenumbers' limits (_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN, _MAX_LENGTH_COUNTRY_CODE).
_MIN_NSN = 2
_MAX_NSN = 17
_MAX_CC = 3
_RESULTS_TABLE = 24
_POSSIBLE = (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)
_KEEP_ORIGINAL = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


class _Fallback(Exception):
    """The fast path does not replay this input; use phonenumbers.parse."""


def split_digits(value: str) -> tuple[str, bool]:
    """(ASCII digits, began-with-plus). Unicode decimal digits count as digits, as in phonenumbers."""
    if value.isdigit() and value.isascii():
        return value, False
    text = value.strip()
    plus = text.startswith(_PLUS_SIGNS)
    if text.isascii():
        return text.encode().translate(None, _ASCII_DELETE).decode(), plus
    digits = "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())
    return digits, plus


@dataclass(frozen=True, slots=True)
class _Plan:
    """What parse needs from one region's metadata, compiled once."""

    country_code: int
    cc_str: str
    general: re.Pattern[str] | None
    prefix: re.Pattern[str] | None
    transform: str | None
    lengths: tuple[int, ...]
    local_lengths: frozenset[int]
    idd: re.Pattern[str] | None
    #: The national prefix / international prefix when the metadata pattern is a plain digit string
    #: (US `1`, DE `0`, `00`, `011`): `startswith` then replaces a regex match.
    prefix_literal: str | None = None
    idd_literal: str | None = None
    #: `length_result` precomputed for lengths below _RESULTS_TABLE.
    results: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", tuple(self.length_result(n) for n in range(_RESULTS_TABLE)))

    def matches_general(self, number: str) -> bool:
        return self.general is not None and self.general.fullmatch(number) is not None

    def test_length(self, number: str) -> int:
        n = len(number)
        return self.results[n] if n < _RESULTS_TABLE else self.length_result(n)

    def length_result(self, n: int) -> int:
        # phonenumberutil._test_number_length for PhoneNumberType.UNKNOWN (the general description).
        if n in self.local_lengths:
            return int(ValidationResult.IS_POSSIBLE_LOCAL_ONLY)
        lengths = self.lengths
        if lengths[0] == n:
            return int(ValidationResult.IS_POSSIBLE)
        if lengths[0] > n:
            return int(ValidationResult.TOO_SHORT)
        if lengths[-1] < n:
            return int(ValidationResult.TOO_LONG)
        return int(ValidationResult.IS_POSSIBLE if n in lengths[1:] else ValidationResult.INVALID_LENGTH)

    def strip_national_prefix(self, number: str) -> str:
        # phonenumberutil._maybe_strip_national_prefix_carrier_code, result number only.
        if not number or self.prefix is None:
            return number
        literal = self.prefix_literal
        if literal is not None:
            if not number.startswith(literal):
                return number
            rest = number[len(literal) :]
            if self.matches_general(number) and not self.matches_general(rest):
                return number
            return rest
        match = self.prefix.match(number)
        if match is None:
            return number
        viable = self.matches_general(number)
        groups = match.groups()
        if not self.transform or (groups and groups[-1] is None):
            rest = number[match.end() :]
            if viable and not self.matches_general(rest):
                return number
            return rest
        if not groups:
            raise _Fallback
        transformed = self.prefix.sub(self.transform, number, count=1)
        if viable and not self.matches_general(transformed):
            return number
        return transformed


def _literal(pattern: str | None) -> str | None:
    return pattern if pattern and pattern.isascii() and pattern.isdigit() else None


def _compile(value: str | None) -> re.Pattern[str] | None:
    return re.compile(value) if value else None


def _plan_from_metadata(metadata: Any) -> _Plan:
    general = metadata.general_desc
    lengths = tuple(general.possible_length) if general is not None else ()
    if not lengths:
        raise _Fallback
    return _Plan(
        country_code=int(metadata.country_code),
        cc_str=str(metadata.country_code),
        general=_compile(general.national_number_pattern),
        prefix=_compile(metadata.national_prefix_for_parsing),
        transform=metadata.national_prefix_transform_rule or None,
        lengths=lengths,
        local_lengths=frozenset(general.possible_length_local_only or ()),
        idd=_compile(metadata.international_prefix),
        prefix_literal=_literal(metadata.national_prefix_for_parsing)
        if not metadata.national_prefix_transform_rule
        else None,
        idd_literal=_literal(metadata.international_prefix),
    )


@cache
def _region_plan(region: str) -> _Plan | None:
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None:
        return None
    try:
        return _plan_from_metadata(metadata)
    except _Fallback:
        return None


@cache
def _calling_code_plan(country_code: int) -> tuple[str, _Plan] | None:
    """(main region, plan) of a country calling code, as parse/is_possible_number look it up."""
    region = region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    try:
        return region, _plan_from_metadata(metadata)
    except _Fallback:
        return None


_Result = tuple[str, str | None]
_UNPARSABLE: _Result = ("", "phone.unparsable")
_NOT_POSSIBLE: _Result = ("", "phone.not_possible")
_AMBIGUOUS: _Result = ("", "phone.ambiguous")


def _finish(cc_str: str, national: str, plan: _Plan, main: _Plan) -> _Result:
    """parse's final prefix strip and length checks, then is_possible_number and E.164 format. `main` is
    the plan of the calling code's main region (is_possible_number's metadata)."""
    if len(national) < _MIN_NSN:
        return _UNPARSABLE
    # strip_national_prefix returns its input unless it starts with a literal prefix (the common case
    # tested inline) or matches a prefix pattern.
    literal = plan.prefix_literal
    if plan.prefix is not None and (literal is None or national.startswith(literal)):
        stripped = plan.strip_national_prefix(national)
        if stripped != national and plan.test_length(stripped) not in _KEEP_ORIGINAL:
            national = stripped
    size = len(national)
    if not _MIN_NSN <= size <= _MAX_NSN:
        return _UNPARSABLE
    if main.results[size] not in _POSSIBLE:  # size < _RESULTS_TABLE
        return _NOT_POSSIBLE
    # Spec (PHONE): output re-read as `"+" + output` must give the output again. parse strips a national
    # prefix even after `+cc`, so a national number that itself starts with one (`+43 000000` ->
    # `4300000` -> `430000`) has no stable E.164 form: it is invalid, never a moving target. Real
    # numbers never start with their country's trunk prefix; the conformance data has no such case.
    literal = main.prefix_literal
    if main.prefix is not None and (literal is None or national.startswith(literal)):
        again = main.strip_national_prefix(national)
        if again != national and main.test_length(again) not in _KEEP_ORIGINAL:
            return _AMBIGUOUS
    # The national significant number keeps its leading zeros (italian_leading_zero), so it is `national`.
    return cc_str + national, None


#: Country calling codes as the digit strings that start a `+` number (no leading zero).
_CALLING_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)


def fast_international(digits: str) -> _Result:
    """`+digits`, when the first 1-3 digits are a known country calling code."""
    if not 3 <= len(digits) <= _MAX_NSN + _MAX_CC or digits[0] == "0":
        raise _Fallback
    for size in range(1, _MAX_CC + 1):
        code = digits[:size]
        if code in _CALLING_CODES:
            found = _calling_code_plan(int(code))
            if found is None:
                raise _Fallback
            return _finish(code, digits[size:], found[1], found[1])
    raise _Fallback


def fast_national(digits: str, region: str, plan: _Plan) -> _Result:
    """Digits without `+` as a number of `region` (no international dialling prefix)."""
    if not _MIN_NSN <= len(digits) <= _MAX_NSN:
        raise _Fallback
    if plan.idd_literal is not None:
        if digits.startswith(plan.idd_literal):
            raise _Fallback
    elif plan.idd is not None and plan.idd.match(digits):
        raise _Fallback
    found = _calling_code_plan(plan.country_code)
    if found is None:
        raise _Fallback
    main_region, main_plan = found
    cc_str = plan.cc_str
    if digits.startswith(cc_str):
        # phonenumberutil._maybe_extract_country_code, "starts with the default country code" branch.
        candidate = plan.strip_national_prefix(digits[len(cc_str) :])
        if (not plan.matches_general(digits) and plan.matches_general(candidate)) or plan.test_length(
            digits
        ) == ValidationResult.TOO_LONG:
            return _finish(cc_str, candidate, plan if main_region == region else main_plan, main_plan)
    return _finish(cc_str, digits, plan, main_plan)


def slow_phone(digits: str, plus: bool, region: str) -> tuple[str, str | None]:
    """The reference path through phonenumbers.parse: (E.164 without `+` or "", reason)."""
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, region)
    except NumberParseException:
        return "", "phone.unparsable"
    if not phonenumbers.is_possible_number(number):
        return "", "phone.not_possible"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # The stability rule of `_finish`, checked here by really parsing the output again.
    try:
        again = phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.E164
        )
    except NumberParseException:
        again = ""
    if again != e164:
        return "", "phone.ambiguous"
    return e164[1:], None


def phone_result(digits: str, plus: bool, region: str, plan: _Plan | None) -> _Result:
    """Fast path when it applies, else phonenumbers.parse: (E.164 without `+` or "", reason)."""
    try:
        if plus:
            return fast_international(digits)
        if plan is not None:
            return fast_national(digits, region, plan)
    except _Fallback:
        pass
    return slow_phone(digits, plus, region)


_Finish = Callable[[str], _Result]


def _compile_finish(cc_str: str, plan: _Plan, main: _Plan) -> _Finish:
    """`_finish(cc_str, national, plan, main)` as a function of `national`, its lookups done once."""
    prefix = plan.prefix is not None
    literal = plan.prefix_literal
    strip = plan.strip_national_prefix
    test_length = plan.test_length
    main_prefix = main.prefix is not None
    main_literal = main.prefix_literal
    main_strip = main.strip_national_prefix
    main_test_length = main.test_length
    # The sizes `_finish` lets through: parse's NSN limits and is_possible_number's lengths.
    sizes = frozenset(n for n in range(_MIN_NSN, _MAX_NSN + 1) if main.results[n] in _POSSIBLE)

    def finish(national: str) -> _Result:
        if len(national) < _MIN_NSN:
            return _UNPARSABLE
        if prefix and (literal is None or national.startswith(literal)):
            stripped = strip(national)
            if stripped != national and test_length(stripped) not in _KEEP_ORIGINAL:
                national = stripped
        if len(national) not in sizes:
            return _NOT_POSSIBLE if _MIN_NSN <= len(national) <= _MAX_NSN else _UNPARSABLE
        if main_prefix and (main_literal is None or national.startswith(main_literal)):
            again = main_strip(national)
            if again != national and main_test_length(again) not in _KEEP_ORIGINAL:
                return _AMBIGUOUS
        return cc_str + national, None

    return finish


#: `_compile_finish` of each country calling code (as its digit string) met after a `+`; None where
#: the metadata is not replayed (`_calling_code_plan`).
_INTERNATIONAL: dict[str, _Finish | None] = {}


def _international_finish(code: str) -> _Finish | None:
    if code not in _INTERNATIONAL:
        found = _calling_code_plan(int(code))
        _INTERNATIONAL[code] = None if found is None else _compile_finish(code, found[1], found[1])
    return _INTERNATIONAL[code]


def compiled_international(digits: str) -> _Result | None:
    """`fast_international(digits)`, None where it raises _Fallback on its own (a national prefix rule
    it does not replay still raises _Fallback)."""
    if not 3 <= len(digits) <= _MAX_NSN + _MAX_CC or digits[0] == "0":
        return None
    for size in range(1, _MAX_CC + 1):
        code = digits[:size]
        if code in _CALLING_CODES:
            finish = _INTERNATIONAL[code] if code in _INTERNATIONAL else _international_finish(code)
            return None if finish is None else finish(digits[size:])
    return None


def compile_national(region: str, plan: _Plan) -> Callable[[str], _Result | None]:
    """`fast_national(digits, region, plan)` as a function of `digits`, None where it raises _Fallback on
    its own (a national prefix rule it does not replay still raises _Fallback)."""
    found = _calling_code_plan(plan.country_code)
    if found is None:
        return lambda digits: None
    main_region, main_plan = found
    cc_str = plan.cc_str
    cc_size = len(cc_str)
    finish = _compile_finish(cc_str, plan, main_plan)
    finish_after_cc = _compile_finish(cc_str, plan if main_region == region else main_plan, main_plan)
    idd_literal = plan.idd_literal
    idd = plan.idd
    strip = plan.strip_national_prefix
    matches_general = plan.matches_general
    test_length = plan.test_length
    too_long = ValidationResult.TOO_LONG

    def national(digits: str) -> _Result | None:
        if not _MIN_NSN <= len(digits) <= _MAX_NSN:
            return None
        if idd_literal is not None:
            if digits.startswith(idd_literal):
                return None
        elif idd is not None and idd.match(digits):
            return None
        if digits.startswith(cc_str):
            candidate = strip(digits[cc_size:])
            if (not matches_general(digits) and matches_general(candidate)) or test_length(
                digits
            ) == too_long:
                return finish_after_cc(candidate)
        return finish(digits)

    return national


def compile_phone_result(region: str) -> Callable[[str, bool], _Result]:
    """`phone_result(digits, plus, region, _region_plan(region))` compiled for one region."""
    plan = _region_plan(region)
    national = compile_national(region, plan) if plan is not None else None
    international = compiled_international

    def result(digits: str, plus: bool) -> _Result:
        try:
            if plus:
                found = international(digits)
            elif national is not None:
                found = national(digits)
            else:
                found = None
        except _Fallback:
            found = None
        return slow_phone(digits, plus, region) if found is None else found

    return result


def make_phone_normalizer(region: str) -> Rule:
    plan = _region_plan(region)

    def normalize_phone(value: str) -> str:
        digits, plus = split_digits(value)
        if not digits:
            return ""
        return phone_result(digits, plus, region, plan)[0]

    def explain(value: str) -> str:
        digits, plus = split_digits(value)
        if not digits:
            return "phone.no_digits"
        return phone_result(digits, plus, region, plan)[1] or "phone.not_possible"

    generic = kernel_hash_function(normalize_phone)

    # The kernel and explain use `phone_result` (the readable fast path); the hash functions its
    # compiled form: tests/normalize/test_phone.py proves all of them equal to phonenumbers.
    result = compile_phone_result(region)

    def hash_phone(value: Any) -> str | None:
        # `kernel_hash_function(normalize_phone)` with its ASCII case inlined: split_digits by one
        # translate, the prehashed test only where it can hold.
        if value.__class__ is str and value.isascii():
            if value.isdigit():
                if len(value) == 64:  # 64 digits are 64 hex
                    return value
                digits, plus = value, False
            else:
                if len(value) == 64 and HEX.issuperset(value):
                    return value
                digits = value.encode().translate(_DIGITS_ONLY).replace(b"\0", b"").decode()
                if not digits:
                    return None
                plus = value.lstrip()[:1] == "+"
            number = result(digits, plus)[0]
            return sha256(number.encode()).hexdigest() if number else None
        return generic(value)

    def phone_outcomes(values: list[Any]) -> tuple[list[str | None], dict[int, str]]:
        # `hash_phone` over a batch: the digits (and `+`) of all values by one translate
        # (`translate_batch`); a `+` counts only where the value starts with it. The reason of each
        # invalid value is what `explain` gives (`Rule.batch_outcome_function`).
        translated = translate_batch(values, _BATCH_DIGITS)
        if translated is None:
            return list(map(hash_phone, values)), {}
        parts, others = translated
        digest = sha256
        out: list[str | None] = []
        append = out.append
        reasons: dict[int, str] = {}
        for value, kept in zip(values, parts, strict=True):
            plus = False
            digits = kept
            if 43 in kept:  # "+"
                plus = value.lstrip()[:1] == "+"
                digits = kept.replace(b"+", b"")
            if not digits:
                # Blank is null, not invalid; a prehashed value (restored below) is neither.
                if value and not value.isspace() and not is_prehashed(value):
                    reasons[len(out)] = "phone.no_digits"
                append(None)
                continue
            number, reason = result(digits.decode(), plus)
            if number:
                append(digest(number.encode()).hexdigest())
            else:
                if not is_prehashed(value):
                    reasons[len(out)] = reason or "phone.not_possible"
                append(None)
        for at in others:
            out[at] = hash_phone(values[at])
            reasons.pop(at, None)
        return restore_prehashed(values, out), reasons

    def hash_phones(values: Iterable[Any]) -> list[str | None]:
        return phone_outcomes(values if isinstance(values, list) else list(values))[0]

    return Rule(
        kernel=normalize_phone,
        explain=explain,
        hash_function=hash_phone,
        batch_hash_function=hash_phones,
        batch_outcome_function=phone_outcomes,
    )


def build(country_code: str) -> Rule:
    return make_phone_normalizer(country_code)


def build_international_only(reason: str) -> Rule:
    """The rule of a row without a known country: only `+digits` carries its own country calling code;
    any other number is invalid with `reason` (`country.unknown` / `country.unsupported`)."""

    def normalize_phone(value: str) -> str:
        digits, plus = split_digits(value)
        if not digits or not plus:
            return ""
        return phone_result(digits, True, "ZZ", None)[0]

    def explain(value: str) -> str:
        digits, plus = split_digits(value)
        if not digits:
            return "phone.no_digits"
        if not plus:
            return reason
        return phone_result(digits, True, "ZZ", None)[1] or "phone.not_possible"

    return Rule(kernel=normalize_phone, explain=explain)


#: No native Spark form: Spark runs every value through this Python rule.
PII_RULE = PiiRule(build=build)
