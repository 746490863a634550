"""The one set of file readers (CSV/TSV, JSON lines, Parquet; plain or gzip; local or S3) and the writer.

Entry points: ``open_table`` (stream every row of a file), ``read_head`` (its first rows),
``infer_type`` (a column's AMC data type), ``RecordWriter`` (all-or-nothing output). Every problem is
a ``RecordFileError`` naming file, line and column, never a value; a reader opened ``lenient`` hands a
malformed row back as a ``Rejected`` instead (AMC's rule: drop the row, fail only an unreadable file).
"""

from __future__ import annotations

from amc_uploader.io.cells import cell_text
from amc_uploader.io.delimited import CsvDialect
from amc_uploader.io.errors import RecordFileError
from amc_uploader.io.formats import (
    EXTENSIONS,
    GZIP_SUFFIXES,
    FileKind,
    InputFormat,
    detect_kind,
    kind_from_name,
)
from amc_uploader.io.infer import infer_type
from amc_uploader.io.limits import FIELD_LIMIT, MAX_COLUMNS
from amc_uploader.io.readers import Head, open_table, read_head
from amc_uploader.io.sources import Source, detect_source_kind
from amc_uploader.io.table import Rejected, TableReader
from amc_uploader.io.writer import RecordWriter, output_kind

__all__ = [
    "EXTENSIONS",
    "FIELD_LIMIT",
    "GZIP_SUFFIXES",
    "MAX_COLUMNS",
    "CsvDialect",
    "FileKind",
    "Head",
    "InputFormat",
    "RecordFileError",
    "RecordWriter",
    "Rejected",
    "Source",
    "TableReader",
    "cell_text",
    "detect_kind",
    "detect_source_kind",
    "infer_type",
    "kind_from_name",
    "open_table",
    "output_kind",
    "read_head",
]
