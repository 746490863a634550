"""Output rows for AMC: CSV (header, comma, standard quoting, ``\\n``) or JSON lines; one function per format
used by every engine, so the local and Spark outputs are byte-identical for the same rows.

Plain columns: nested values (objects, lists, Parquet structs/lists/maps) are written as compact JSON;
a lone surrogate becomes U+FFFD (`amc_uploader.io.cells`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from amc_uploader.io.cells import encode_utf8
from amc_uploader.job.config import OutputFormat
from amc_uploader.job.timestamps import convert_date, convert_timestamp

__all__ = ["csv_field", "encode_columns", "header_bytes", "make_serializer", "to_text"]

_NEEDS_QUOTES = frozenset(',"\r\n')
_SPECIAL = (",", '"', "\r", "\n")


def to_text(value: Any) -> str | None:
    """A cell as text; datetimes that were not declared TIMESTAMP/DATE still get the AMC format."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return convert_timestamp(value)
    if isinstance(value, date):
        return convert_date(value)
    if isinstance(value, float | int | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def csv_field(value: Any) -> str:
    """One CSV field: "" for null, quoted (quotes doubled) when it holds a comma, quote or line break."""
    text = to_text(value)
    if not text:
        return ""
    if _NEEDS_QUOTES.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _csv_line(values: Sequence[Any]) -> bytes:
    texts = [v if v.__class__ is str else (to_text(v) or "") for v in values]
    line = ",".join(texts)
    # Fast path: no field holds a comma, quote or line break (the comma count proves the first).
    if line.count(",") == len(texts) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
        line += "\n"
    else:
        line = ",".join([csv_field(v) for v in values]) + "\n"
    try:
        return line.encode()
    except UnicodeEncodeError:  # a lone surrogate: the error path only
        return encode_utf8(line)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return to_text(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def make_serializer(file_format: OutputFormat, columns: Sequence[str]) -> Callable[[Sequence[Any]], bytes]:
    """Row values (output column order) -> one encoded line."""
    if file_format == "CSV":
        return _csv_line
    names = list(columns)

    def jsonl_line(values: Sequence[Any]) -> bytes:
        # Nulls are written explicitly (Spark's JSON writer would drop them; we do not use it).
        record = dict(zip(names, values, strict=True))
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_json_default)
        line += "\n"
        try:
            return line.encode()
        except UnicodeEncodeError:
            return encode_utf8(line)

    return jsonl_line


def header_bytes(file_format: OutputFormat, columns: Sequence[str]) -> bytes | None:
    return _csv_line(list(columns)) if file_format == "CSV" else None


def _column_texts(values: Sequence[Any]) -> list[str]:
    """A column's CSV fields: text, "" for null, quoted where a field needs it (as `csv_field`)."""
    texts = [v if v.__class__ is str else (to_text(v) or "") for v in values]
    joined = "".join(texts)
    if any(c in joined for c in _SPECIAL):
        return [csv_field(t) for t in texts]
    return texts


def encode_columns(
    file_format: OutputFormat, columns: Sequence[str], values: Sequence[Sequence[Any]]
) -> tuple[bytes, list[int]]:
    """Rows given column by column (equal lengths, output column order) as their encoded lines, joined,
    with each line's length in bytes: the bytes `make_serializer` gives row by row, without a call per
    row for CSV."""
    if file_format != "CSV":
        serialize = make_serializer(file_format, columns)
        encoded = [serialize(row) for row in zip(*values, strict=True)]
        return b"".join(encoded), [len(b) for b in encoded]
    if not values or not values[0]:
        return b"", []
    lines = [",".join(fields) for fields in zip(*map(_column_texts, values), strict=True)]
    text = "\n".join(lines) + "\n"
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: the error path only
        data = encode_utf8(text)
    if len(data) == len(text):  # ASCII: a character is a byte
        return data, [len(line) + 1 for line in lines]
    return data, [len(encode_utf8(line)) + 1 for line in lines]
