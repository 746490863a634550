"""The shape every PII type module compiles to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled normalization rule for one (PII type, country).

    `kernel` maps raw text to normalized text, or to "" when the value is invalid (the spec's
    "normalizes to the empty string"). `explain` names the reason for a value whose kernel result is
    "", and is only called on that (rare) path.
    """

    kernel: Callable[[str], str]
    explain: Callable[[str], str]


def ascii_delete_table(keep: bytes) -> bytes:
    """All 256 byte values except `keep`: the `delete` argument of `bytes.translate`."""
    return bytes(b for b in range(256) if b not in keep)


ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
ASCII_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ASCII_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
