"""Streaming record files: CSV and JSON lines, plain or gzip, with line-accurate errors."""

from __future__ import annotations

from amc_uploader.io.records import (
    FileKind,
    RecordFileError,
    RecordFormat,
    RecordReader,
    RecordWriter,
    detect_kind,
    open_records,
)

__all__ = [
    "FileKind",
    "RecordFileError",
    "RecordFormat",
    "RecordReader",
    "RecordWriter",
    "detect_kind",
    "open_records",
]
