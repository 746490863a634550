"""A cell value as text, the same way everywhere (CSV output, previews, PII suggestions), and the one rule
for text that is not Unicode in plain (non-PII) columns.

Plain columns: a lone surrogate (JSON lines can spell one, ``"\ud800"``; no UTF-8 file can) is written
as U+FFFD, the replacement character, in every writer and both job engines; the row is kept. (In a PII
column it is invalid instead: ``text.invalid_unicode``, `amc_normalize.common.value_reason`.)

Binary cells (Parquet ``binary`` columns: many writers store strings unannotated) are decoded as UTF-8
(`binary_text`); each invalid sequence becomes one lone surrogate, so the rule above applies: invalid in a
PII column, one U+FFFD per invalid sequence in a plain one (what ``bytes.decode(errors="replace")`` gives).
"""

from __future__ import annotations

import codecs
import json
from typing import Any

#: Codec error handler of every writer: each unencodable code point (a lone surrogate) becomes U+FFFD.
REPLACE_SURROGATES = "amc.replace_surrogates"


_FFFD = "\ufffd".encode()


def _replacement(error: UnicodeError) -> tuple[bytes, int]:
    # Bytes: the UTF-8 encoder takes only ASCII text back from an error handler.
    if isinstance(error, UnicodeEncodeError):
        return _FFFD * (error.end - error.start), error.end
    raise error


codecs.register_error(REPLACE_SURROGATES, _replacement)

#: Codec error handler of `binary_text`: each invalid UTF-8 sequence becomes one lone surrogate.
MARK_INVALID_UTF8 = "amc.mark_invalid_utf8"
_LONE_SURROGATE = "\ud800"


def _mark_invalid(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        return _LONE_SURROGATE, error.end
    raise error


codecs.register_error(MARK_INVALID_UTF8, _mark_invalid)


def binary_text(data: bytes | bytearray | memoryview) -> str:
    """A binary cell as text: UTF-8, each invalid sequence a lone surrogate (not Unicode: see above)."""
    return bytes(data).decode("utf-8", MARK_INVALID_UTF8)


def encode_utf8(text: str) -> bytes:
    """`text` as UTF-8, lone surrogates as U+FFFD (tried strict first: the error path only)."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", REPLACE_SURROGATES)


def replace_surrogates(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (the plain-column rule)."""
    return encode_utf8(text).decode()


def cell_text(value: Any) -> str | None:
    """None stays None; booleans are `true`/`false`; objects and lists are compact JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
