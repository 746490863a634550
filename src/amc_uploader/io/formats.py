"""The one extension table: a file's format, gzip and default delimiter from its name, else its content."""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from amc_uploader.io.errors import RecordFileError


class InputFormat(StrEnum):
    CSV = "CSV"
    JSONL = "JSONL"
    PARQUET = "PARQUET"


@dataclass(frozen=True, slots=True)
class FileKind:
    """How to read a file: format, gzip-compressed or not, and (CSV) the delimiter its name implies."""

    format: InputFormat
    gzip: bool = False
    delimiter: str | None = None


GZIP_SUFFIXES = (".gz", ".gzip")
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
# extension -> (format, delimiter); a CSV without one gets its delimiter sniffed from the header line.
EXTENSIONS: dict[str, tuple[InputFormat, str | None]] = {
    ".csv": (InputFormat.CSV, None),
    ".tsv": (InputFormat.CSV, "\t"),
    ".txt": (InputFormat.CSV, None),
    ".jsonl": (InputFormat.JSONL, None),
    ".ndjson": (InputFormat.JSONL, None),
    ".json": (InputFormat.JSONL, None),
    ".parquet": (InputFormat.PARQUET, None),
    ".pq": (InputFormat.PARQUET, None),
}
_SNIFFED_DELIMITERS = (";", "\t", "|")


def kind_from_name(name: str | Path) -> FileKind | None:
    """The kind a file name says (a trailing `.gz`/`.gzip` means gzip), or None for an unknown extension."""
    text = str(name).lower()
    gz = text.endswith(GZIP_SUFFIXES)
    for suffix in GZIP_SUFFIXES:
        text = text.removesuffix(suffix)
    entry = EXTENSIONS.get(os.path.splitext(text)[1])
    if entry is None:
        return None
    return FileKind(entry[0], gz, entry[1])


def detect_kind(name: str | Path) -> FileKind:
    """`kind_from_name`, or a RecordFileError naming the extensions this table knows."""
    kind = kind_from_name(name)
    if kind is None:
        known = ", ".join(EXTENSIONS)
        raise RecordFileError(
            name, f"unknown file type: expected {known} (optionally .gz)", code="unknown_format"
        )
    return kind


def sniff_format(head: bytes) -> InputFormat | None:
    """The format the first (decompressed) bytes show, None for an empty file."""
    if head.startswith(PARQUET_MAGIC):
        return InputFormat.PARQUET
    text = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if text.startswith((b"{", b"[")):
        return InputFormat.JSONL
    return InputFormat.CSV if head else None


def sniff_delimiter(header: str) -> str:
    """`,` unless the header line has none and uses `;`, tab or `|` instead (European exports)."""
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in _SNIFFED_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
