"""The entry points: open any supported file as a ``TableReader``, or read its first rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amc_uploader.io.delimited import CsvDialect, DelimitedReader
from amc_uploader.io.formats import FileKind, InputFormat, kind_from_name
from amc_uploader.io.jsonlines import JsonLinesReader
from amc_uploader.io.limits import HEAD_MAX_PARQUET_BYTES
from amc_uploader.io.parquet import ParquetReader
from amc_uploader.io.sources import Source, detect_source_kind
from amc_uploader.io.table import TableReader


def open_table(
    source: Source | str | Path,
    kind: FileKind | None = None,
    *,
    declared: InputFormat | None = None,
    dialect: CsvDialect | None = None,
    s3_client: Any = None,
    max_parquet_bytes: int | None = None,
    lenient: bool = False,
) -> TableReader:
    """Open a CSV/TSV, JSON-lines or Parquet file (gzip detected from name and content) and read its header.

    ``kind`` (else ``declared`` format, else the name, else the content) says how to read it; ``dialect``
    applies to CSV only. Every problem is a ``RecordFileError``; ``lenient``: except a malformed row, which
    ``TableReader.scan`` then yields as a ``Rejected`` (the file goes on).
    """
    src = source if isinstance(source, Source) else Source.of(source)
    if kind is None:
        by_name = kind_from_name(src.uri)
        if declared is not None:
            kind = FileKind(declared, bool(by_name and by_name.gzip), by_name.delimiter if by_name else None)
        else:
            kind = by_name or detect_source_kind(src, s3_client=s3_client)
    if kind.format is InputFormat.PARQUET:
        return ParquetReader(src, kind, s3_client=s3_client, max_bytes=max_parquet_bytes, lenient=lenient)
    if kind.format is InputFormat.JSONL:
        return JsonLinesReader(src, kind, s3_client=s3_client, lenient=lenient)
    return DelimitedReader(src, kind, dialect, s3_client=s3_client, lenient=lenient)


@dataclass(frozen=True)
class Head:
    """The first rows of a file (empty CSV fields as None), for previews."""

    source: Source
    kind: FileKind
    columns: list[str]
    rows: list[list[Any]]


def read_head(
    source: Source | str | Path,
    max_rows: int,
    *,
    kind: FileKind | None = None,
    declared: InputFormat | None = None,
    s3_client: Any = None,
) -> Head:
    """The header and first ``max_rows`` rows (the same rules and errors as a full read)."""
    with open_table(
        source, kind, declared=declared, s3_client=s3_client, max_parquet_bytes=HEAD_MAX_PARQUET_BYTES
    ) as reader:
        rows = [values for _, values in itertools.islice(reader.rows(empty_as_none=True), max_rows)]
        return Head(reader.source, reader.kind, reader.header, rows)
