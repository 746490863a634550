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


#: Leading bytes of binary formats a text reader must not try to decode: (magic, what it is, what to do).
_BINARY_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (PARQUET_MAGIC, "Parquet", "name it .parquet or set the format"),
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx workbook)", "extract it, or export the sheet as CSV"),
    (b"PK\x05\x06", "an empty ZIP archive", "export the data as CSV"),
    (GZIP_MAGIC, "gzip data compressed twice", "decompress it once"),
    (b"BZh", "bzip2-compressed", "decompress it (gzip is read directly)"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (gzip is read directly)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it (gzip is read directly)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an .xls workbook", "export the sheet as CSV"),
    (b"%PDF-", "a PDF document", "export the data as CSV"),
    (b"SQLite format 3\x00", "an SQLite database", "export the table as CSV"),
    (b"Obj\x01", "Avro", "convert it to Parquet, CSV or JSON lines"),
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c")


def _is_text(head: bytes) -> bool:
    """Whether the first bytes could start a text file: UTF-8 (a sequence cut at the end is fine) and no
    control character but tab, line breaks and form feed."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(b < 0x20 and b not in _TEXT_CONTROLS for b in head)


def binary_format(head: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) when the first (decompressed) bytes are a known binary format's
    magic and not text, else None: a text reader then names it instead of "not valid UTF-8"."""
    for magic, what, hint in _BINARY_MAGIC:
        if head.startswith(magic) and not _is_text(head):
            return what, hint
    return None


def sniff_delimiter(header: str) -> str:
    """`,` unless the header line has none and uses `;`, tab or `|` instead (European exports)."""
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in _SNIFFED_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
