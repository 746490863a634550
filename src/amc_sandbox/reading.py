"""Every read of an uploaded record file (CSV, JSON lines or document, Parquet), through the product's
readers.

`amc_uploader.io` reads the file: gzip, the CSV dialect, JSON lines, Parquet, the limits and the line numbers.
It is opened lenient, so a malformed row comes back as a `Rejected` (AMC drops and counts it) and only a file
it cannot read raises (AMC fails the upload: `ReadError`). An empty file holds no records.

Decoded here, because io does not read them, and only those: BZIP and ZIP (unpacked before io reads the
content), a JSON DOCUMENT (one array of objects; gzip still through io), and the refusals AMC would make
(gzip bytes declared NONE, SNAPPY). Messages name the file and the rule, never a value.
"""

from __future__ import annotations

import bz2
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from amc_uploader.io import (
    CsvDialect,
    FileKind,
    InputFormat,
    RecordFileError,
    Rejected,
    Source,
    cell_text,
    open_table,
)
from amc_uploader.io.formats import GZIP_MAGIC
from amc_uploader.io.sources import GZIP_ERRORS, decoded, open_binary

COMPRESSIONS = ("GZIP", "BZIP", "ZIP", "NONE")


class ReadError(Exception):
    """The file cannot be read as the upload declares it (compression, encoding, format)."""


Record = dict[str, Any] | Rejected


@dataclass
class RecordFile:
    """`columns`: the CSV header or the Parquet schema's names (None for JSON); `records`: (line, record).

    The line is the file line a CSV record ends on or a JSON line's number; for JSON documents and Parquet
    it is the record's position (1-based).
    """

    columns: list[str] | None
    records: Iterator[tuple[int, Record]]


@contextmanager
def read_records(
    open_raw: Callable[[], IO[bytes]], *, uri: str, compression: str, file_format: Mapping[str, Any]
) -> Iterator[RecordFile]:
    """The records of the file `open_raw` opens (as stored; called again on an error path), decompressed as
    `compression` and parsed as `file_format` (the upload's B.9 `fileFormat`); closed on leaving."""
    if compression not in COMPRESSIONS:
        raise ReadError(
            f"compressionFormat {compression} is not supported by the sandbox (use {', '.join(COMPRESSIONS)})"
        )
    with ExitStack() as stack:

        def opener() -> IO[bytes]:
            return _unpacked(stack.enter_context(open_raw()), compression, uri)

        with _read_errors(uri, compression):
            file = _open(stack, Source(uri, opener=opener), compression, file_format)
        yield file


def _open(stack: ExitStack, source: Source, compression: str, file_format: Mapping[str, Any]) -> RecordFile:
    gzipped = compression == "GZIP"
    if file_format.get("jsonDataFormat") == "DOCUMENT":
        raw = stack.enter_context(open_binary(source))
        return RecordFile(None, _document(decoded(source, raw, gzipped), source.uri))
    dialect = None
    if "csvDataFormat" in file_format:
        options = file_format["csvDataFormat"]
        # B.9 defaults per the OpenAPI: delimiter ",", quote "'" (sic), escape "\", no comment character.
        dialect = CsvDialect(
            delimiter=options.get("fieldDelimiter", ","),
            quote=options.get("quoteCharacter", "'"),
            escape=options.get("quoteEscapeCharacter", "\\"),
            comment=options.get("commentCharacter") or None,
        )
        kind = FileKind(InputFormat.CSV, gzipped, dialect.delimiter)
    elif "jsonDataFormat" in file_format:
        kind = FileKind(InputFormat.JSONL, gzipped)
    else:
        kind = FileKind(InputFormat.PARQUET, gzipped)
    try:
        reader = stack.enter_context(open_table(source, kind, dialect=dialect, lenient=True))
    except RecordFileError as exc:
        if exc.code == "empty_file":
            return RecordFile(None, iter(()))
        raise
    records = reader.scan()
    if kind.format is InputFormat.PARQUET:
        records = _as_text(records)
    columns = None if kind.format is InputFormat.JSONL else reader.columns
    return RecordFile(columns, _guarded(records, source.uri, compression))


@contextmanager
def _read_errors(uri: str, compression: str) -> Iterator[None]:
    """The readers' and the local decoders' errors as a `ReadError` naming the file."""
    try:
        yield
    except RecordFileError as exc:
        if exc.code == "bad_gzip":  # io's name for any failing decompression under it
            raise ReadError(f"File '{uri}' could not be decompressed as {compression}") from exc
        raise ReadError(str(exc)) from exc
    except (*GZIP_ERRORS, zipfile.BadZipFile) as exc:
        raise ReadError(f"File '{uri}' could not be decompressed as {compression}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReadError(f"File '{uri}' is not valid UTF-8 text") from exc


def _guarded(
    records: Iterator[tuple[int, Record]], uri: str, compression: str
) -> Iterator[tuple[int, Record]]:
    with _read_errors(uri, compression):
        try:
            yield from records
        except RecordFileError as exc:
            if exc.code != "empty_file":  # a CSV header without rows: no records
                raise


def _unpacked(raw: IO[bytes], compression: str, uri: str) -> IO[bytes]:
    """The stream io reads: BZIP and ZIP unpacked, GZIP left to io, NONE refused when it is gzip."""
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
    return raw


def _as_text(records: Iterator[tuple[int, Record]]) -> Iterator[tuple[int, Record]]:
    """Parquet values as the text a CSV would hold (the row checks read text)."""
    for line, record in records:
        yield line, record if isinstance(record, Rejected) else {k: cell_text(v) for k, v in record.items()}


def _document(stream: IO[bytes], uri: str) -> Iterator[tuple[int, Record]]:
    """The records of a JSON DOCUMENT (an array of objects, or one object), parsed whole right away."""
    try:
        document = json.load(io.TextIOWrapper(stream, encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ReadError(f"File '{uri}' is not a valid JSON DOCUMENT ({exc.__class__.__name__})") from exc
    items = document if isinstance(document, list) else [document]
    return ((position, _object(item)) for position, item in enumerate(items, start=1))


def _object(item: Any) -> Record:
    if isinstance(item, dict):
        return item
    what = "an array" if isinstance(item, list) else type(item).__name__
    return Rejected(f"JSON record is {what}, not an object", "bad_json")
