"""The shape every PII type module compiles to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled normalization rule for one (PII type, country).

    `kernel` maps raw text to normalized text, or to "" when the value is invalid (the spec's
    "normalizes to the empty string"). `explain` names the reason for a value whose kernel result is
    "", and is only called on that (rare) path.
    """

    kernel: Callable[[str], str]
    explain: Callable[[str], str]
    #: Optional bytes form of `kernel` for ASCII input (b"" when invalid): hashing then skips a
    #: decode/encode round trip. Must equal `kernel(text).encode()` for every ASCII `text`.
    ascii_kernel: Callable[[bytes], bytes] | None = None
    #: Optional `bytes.translate` table that *is* the rule for ASCII input: bytes mapped to NUL are
    #: deleted, "" is invalid. Lets `core.get_hash_function` inline the whole ASCII path.
    ascii_table: bytes | None = None
    #: Optional complete hash function (raw value -> digest, prehashed value, or None) replacing the
    #: generic one built by `core.get_hash_function`, for the hottest types.
    hash_function: Callable[[Any], str | None] | None = None
    #: Optional batch form of `hash_function` (list in, list out, loop inlined).
    batch_hash_function: Callable[[Iterable[Any]], list[str | None]] | None = None


def ascii_delete_table(keep: bytes) -> bytes:
    """All 256 byte values except `keep`: the `delete` argument of `bytes.translate`."""
    return bytes(b for b in range(256) if b not in keep)


ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
ASCII_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ASCII_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def ascii_filter(keep: bytes, case_table: bytes) -> Callable[[bytes], bytes]:
    """ASCII bytes -> case-mapped bytes with every byte outside `keep` (after mapping) deleted.

    `bytes.translate` with a `delete` argument rebuilds its table on every call (~150 ns); mapping the
    unwanted bytes to NUL and deleting only when one occurs is ~3x faster on typical values.
    """
    table = ascii_table(keep, case_table)

    def apply(data: bytes) -> bytes:
        out = data.translate(table)
        return out.replace(b"\0", b"") if 0 in out else out

    return apply


def ascii_table(keep: bytes, case_table: bytes) -> bytes:
    """Translate table of `ascii_filter`: case-map, and send every byte outside `keep` to NUL."""
    if 0 in keep:
        raise ValueError("NUL cannot be kept")
    return bytes(case_table[i] if case_table[i] in keep else 0 for i in range(256))
