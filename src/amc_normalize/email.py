"""EMAIL (spec: normalization.md, section EMAIL).

Lowercase, keep word characters, `.`, `@`, `-` and (**Correction**) `+`, then require `local@domain`:
the reference accepts a value when it *starts with* `[\\w.+-]+@[\\w.+-]`, so that is the test here.
"""

from __future__ import annotations

import re

from amc_normalize.rule import ASCII_LOWER, Rule, ascii_delete_table

# For ASCII text `\w` is exactly [A-Za-z0-9_].
_ASCII_DELETE = ascii_delete_table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@+-")
_NOT_EMAIL_CHAR = re.compile(r"[^\w.@+-]+")


def _looks_like_address(text: str) -> bool:
    # Equivalent to re.match(r"[\w.+-]+@[\w.+-]", text) once only [\w.@+-] characters remain.
    at = text.find("@")
    return at > 0 and len(text) > at + 1 and text[at + 1] != "@"


def normalize_email(value: str) -> str:
    if value.isascii():
        text = value.encode().translate(ASCII_LOWER, _ASCII_DELETE).decode()
    else:
        text = _NOT_EMAIL_CHAR.sub("", value.lower())
    return text if _looks_like_address(text) else ""


def _explain(value: str) -> str:
    text = _NOT_EMAIL_CHAR.sub("", value.lower())
    if "@" not in text:
        return "email.no_at"
    return "email.syntax"


RULE = Rule(kernel=normalize_email, explain=_explain)


def build(country_code: str) -> Rule:
    return RULE
