"""Every read of an uploaded record file (CSV, JSON lines or document, Parquet), after its decompression.

The one place the sandbox parses data files, so it can later read through the product's readers
(`amc_uploader.io`) without touching the worker or the row checks. The interface is `read_records`, the
`RecordFile` it returns, `Rejected` for a record AMC would drop and `ReadError` for a file AMC would fail;
messages name the file and the rule, never a value.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Final, cast

GZIP_MAGIC: Final = b"\x1f\x8b"


class ReadError(Exception):
    """The file cannot be read as the upload declares it (compression, encoding, format)."""


@dataclass(frozen=True)
class Rejected:
    """A record that is not one (wrong field count, not a JSON object): AMC drops the row for `reason`."""

    reason: str


Record = dict[str, Any] | Rejected


@dataclass
class RecordFile:
    """`columns`: the CSV header or the Parquet schema's names (None for JSON); `records`: (line, record).

    The line is the file line a CSV record ends on or a JSON line's number; for JSON documents and Parquet
    it is the record's position (1-based).
    """

    columns: list[str] | None
    records: Iterator[tuple[int, Record]]


def read_records(raw: IO[bytes], *, uri: str, compression: str, file_format: Mapping[str, Any]) -> RecordFile:
    """Decompress `raw` as `compression` and parse it as `file_format` (the upload's B.9 `fileFormat`)."""
    with _read_errors(uri, compression):
        stream = _decompress(raw, compression, uri)
        if "csvDataFormat" in file_format:
            columns, records = _csv_records(stream, file_format["csvDataFormat"])
        elif "jsonDataFormat" in file_format:
            columns, records = None, _json_records(stream, file_format["jsonDataFormat"])
        else:
            columns, records = _parquet_records(stream, uri)
    return RecordFile(columns, _guarded(records, uri, compression))


@contextmanager
def _read_errors(uri: str, compression: str) -> Iterator[None]:
    """Turns the decoders' exceptions into a `ReadError` naming the file."""
    try:
        yield
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ReadError(f"File '{uri}' could not be decompressed as {compression}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReadError(f"File '{uri}' is not valid UTF-8 text") from exc
    except csv.Error as exc:
        raise ReadError(f"File '{uri}' is not valid CSV: {exc}") from exc


def _guarded(
    records: Iterator[tuple[int, Record]], uri: str, compression: str
) -> Iterator[tuple[int, Record]]:
    with _read_errors(uri, compression):
        yield from records


def _decompress(raw: IO[bytes], compression: str, uri: str) -> IO[bytes]:
    if compression == "GZIP":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if compression == "BZIP":
        return cast(IO[bytes], bz2.BZ2File(raw))
    if compression == "ZIP":
        archive = zipfile.ZipFile(io.BytesIO(raw.read()))
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise ReadError(f"ZIP file '{uri}' must hold exactly one file, found {len(names)}")
        return archive.open(names[0])
    if compression == "NONE":
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
        if buffered.peek(2)[:2] == GZIP_MAGIC:
            raise ReadError(f"File '{uri}' is gzip-compressed but compressionFormat is NONE")
        return cast(IO[bytes], buffered)
    raise ReadError(
        f"compressionFormat {compression} is not supported by the sandbox (use GZIP, BZIP, ZIP or NONE)"
    )


def _csv_records(
    stream: IO[bytes], options: Mapping[str, Any]
) -> tuple[list[str] | None, Iterator[tuple[int, Record]]]:
    """B.9 defaults per the OpenAPI: delimiter ",", quote "'" (sic), escape "\\", no comment character."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    comment = options.get("commentCharacter")
    line_number = 0

    def lines() -> Iterator[str]:
        nonlocal line_number
        for line in text:
            line_number += 1
            if not (comment and line.startswith(comment)):
                yield line

    reader = csv.reader(
        lines(),
        delimiter=options.get("fieldDelimiter", ","),
        quotechar=options.get("quoteCharacter", "'"),
        escapechar=options.get("quoteEscapeCharacter", "\\"),
        strict=False,
    )
    first = next(reader, None)
    if first is None:
        return None, iter(())
    header = [h.strip() for h in first]

    def records() -> Iterator[tuple[int, Record]]:
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if len(fields) != len(header):
                yield line_number, Rejected(f"row has {len(fields)} fields but the header has {len(header)}")
                continue
            yield line_number, dict(zip(header, fields, strict=True))

    return header, records()


def _json_records(stream: IO[bytes], kind: str) -> Iterator[tuple[int, Record]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig")
    not_an_object = Rejected("record is not a JSON object")
    if kind == "DOCUMENT":
        try:
            document = json.load(text)
        except ValueError as exc:
            raise ReadError(f"JSON DOCUMENT is not valid JSON: {exc.__class__.__name__}") from exc
        items = document if isinstance(document, list) else [document]
        for position, item in enumerate(items, start=1):
            yield position, item if isinstance(item, dict) else not_an_object
        return
    for line_number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            yield line_number, Rejected("line is not valid JSON")
            continue
        yield line_number, item if isinstance(item, dict) else not_an_object


def _parquet_records(stream: IO[bytes], uri: str) -> tuple[list[str], Iterator[tuple[int, Record]]]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ReadError("Parquet uploads need pyarrow in the sandbox") from exc
    try:
        table = pq.read_table(io.BytesIO(stream.read()))
    except Exception as exc:
        raise ReadError(f"File '{uri}' is not a valid Parquet file") from exc

    def records() -> Iterator[tuple[int, Record]]:
        for position, row in enumerate(table.to_pylist(), start=1):
            yield (
                position,
                {k: (None if v is None else v if isinstance(v, str) else str(v)) for k, v in row.items()},
            )

    return [str(n) for n in table.column_names], records()
