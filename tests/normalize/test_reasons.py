"""Every reason code the product can emit has a sentence, and the sentences carry no code-shaped text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from amc_normalize.reasons import REASONS, describe_reason

SRC = Path(__file__).resolve().parents[2] / "src"
_CODE = re.compile(r"^(address|city|consent|country|email|name|phone|state|text|value|zip)\.[a-z_]+$")
# Literals of that shape that are file names or settings keys, not reason codes.
_NOT_REASONS = {"countries.json", "state.json"}


def _codes_in_source() -> set[str]:
    codes = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _CODE.match(node.value):
                codes.add(node.value)
    return codes - _NOT_REASONS


def test_every_code_in_the_source_has_a_sentence() -> None:
    codes = _codes_in_source()
    assert {"phone.not_possible", "consent.missing", "value.nested"} <= codes  # the scan finds them
    assert sorted(codes - set(REASONS)) == []


def test_sentences_are_sentences() -> None:
    for code, text in REASONS.items():
        assert text[0].isupper() and text.endswith("."), code
        assert code not in text


def test_unknown_code_gets_a_generic_sentence() -> None:
    assert describe_reason("phone.not_possible") == REASONS["phone.not_possible"]
    assert describe_reason("future.reason") == REASONS["unknown"]
