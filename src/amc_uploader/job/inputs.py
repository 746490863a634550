"""Input discovery (paths, globs, directories, s3:// URIs) and streaming readers (CSV, JSON lines, Parquet).

Readers stream: one row at a time (Parquet: one record batch), whatever the file size. Every problem is an
``InputError`` naming the file and, where known, the line and column; no value is ever put in a message.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import fnmatch
import glob
import gzip
import io
import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amc_uploader.job.config import CsvOptions, InputFormat
from amc_uploader.job.errors import InputError

__all__ = [
    "InputFile",
    "TableReader",
    "detect_format",
    "discover_inputs",
    "format_from_name",
    "open_reader",
]

_GLOB_CHARS = re.compile(r"[*?\[]")
_EXTENSION_FORMATS = {
    ".csv": InputFormat.CSV,
    ".tsv": InputFormat.CSV,
    ".txt": InputFormat.CSV,
    ".jsonl": InputFormat.JSONL,
    ".ndjson": InputFormat.JSONL,
    ".json": InputFormat.JSONL,
    ".parquet": InputFormat.PARQUET,
    ".pq": InputFormat.PARQUET,
}
_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CSV_FIELD_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    """One input: an absolute local path or ``s3://bucket/key``."""

    uri: str
    size: int | None = None

    @property
    def is_s3(self) -> bool:
        return self.uri.startswith("s3://")

    @property
    def name(self) -> str:
        return self.uri

    def bucket_key(self) -> tuple[str, str]:
        bucket, _, key = self.uri[5:].partition("/")
        return bucket, key


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def discover_inputs(patterns: Sequence[str], *, s3_client: Any = None) -> list[InputFile]:
    """Expand every pattern; each must match at least one file. Order: pattern order, then sorted."""
    found: list[InputFile] = []
    for pattern in patterns:
        matches = (
            _discover_s3(pattern, s3_client) if pattern.startswith("s3://") else _discover_local(pattern)
        )
        if not matches:
            raise InputError(pattern, "no input file matches this path")
        found.extend(matches)
    unique = list(dict.fromkeys(found))
    return unique


def _discover_local(pattern: str) -> list[InputFile]:
    text = pattern.removeprefix("file://")
    if _GLOB_CHARS.search(text):
        paths = [Path(p) for p in sorted(glob.glob(os.path.expanduser(text), recursive=True))]
        paths = [p for p in paths if p.is_file() and not _hidden(p.name)]
    else:
        path = Path(text).expanduser()
        if path.is_dir():
            paths = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.name))
        elif path.is_file():
            paths = [path]
        else:
            raise InputError(pattern, "file not found")
    return [InputFile(str(p.resolve()), p.stat().st_size) for p in paths]


def _s3(s3_client: Any) -> Any:
    if s3_client is None:
        import boto3

        s3_client = boto3.client("s3")
    return s3_client


def _discover_s3(pattern: str, s3_client: Any) -> list[InputFile]:
    client = _s3(s3_client)
    bucket, _, key = pattern[5:].partition("/")
    glob_at = _GLOB_CHARS.search(key)
    if glob_at is None and key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except client.exceptions.ClientError:
            head = None
        if head is not None:
            return [InputFile(pattern, int(head["ContentLength"]))]
        key += "/"  # maybe a "directory"
    prefix = key[: glob_at.start()] if glob_at else key
    out: list[InputFile] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"]
                if _hidden(name.rsplit("/", 1)[-1]) or name.endswith("/"):
                    continue
                if glob_at is None or fnmatch.fnmatchcase(name, key):
                    out.append(InputFile(f"s3://{bucket}/{name}", int(obj["Size"])))
    except client.exceptions.NoSuchBucket:
        raise InputError(pattern, "bucket does not exist") from None
    return sorted(out, key=lambda f: f.uri)


class _CountingRaw(io.RawIOBase):
    """Counts the bytes read from the underlying stream (progress), whatever wraps it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


def _open_raw(source: InputFile, s3_client: Any) -> _CountingRaw:
    if source.is_s3:
        bucket, key = source.bucket_key()
        client = _s3(s3_client)
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
        except client.exceptions.ClientError as exc:
            raise InputError(
                source.name, f"cannot read from S3: {exc.response['Error'].get('Code')}"
            ) from None
        return _CountingRaw(body)
    try:
        return _CountingRaw(open(source.uri, "rb"))  # closed by the reader
    except OSError as exc:
        raise InputError(source.name, f"cannot open: {exc.strerror}") from None


def _head(source: InputFile, s3_client: Any, n: int = 65_536) -> tuple[bytes, bool]:
    """The first bytes of the file, decompressed when it is gzip; and whether it is gzip."""
    raw = _open_raw(source, s3_client)
    try:
        head = raw.read(n) or b""
    finally:
        raw.close()
    if not head.startswith(_GZIP_MAGIC):
        return head, False
    try:
        return zlib.decompressobj(31).decompress(head, n), True
    except zlib.error:
        raise InputError(source.name, "corrupt gzip data") from None


def format_from_name(name: str) -> InputFormat | None:
    """The format a file name's extension says (a `.gz`/`.gzip` suffix is looked through), if any."""
    name = name.lower()
    for suffix in (".gz", ".gzip"):
        name = name.removesuffix(suffix)
    return _EXTENSION_FORMATS.get(os.path.splitext(name)[1])


def detect_format(
    source: InputFile, declared: InputFormat | None, *, s3_client: Any = None
) -> tuple[InputFormat, bool]:
    """Format (declared, else from the extension, else from the content) and gzip (from the content)."""
    head, gzipped = _head(source, s3_client)
    if declared is not None:
        return declared, gzipped
    by_name = format_from_name(source.uri)
    if by_name is not None:
        return by_name, gzipped
    if head.startswith(b"PAR1"):
        return InputFormat.PARQUET, gzipped
    text = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if text.startswith((b"{", b"[")):
        return InputFormat.JSONL, gzipped
    if not head:
        raise InputError(source.name, "file is empty")
    return InputFormat.CSV, gzipped


class TableReader:
    """Header plus a stream of ``(line number, values in header order)``."""

    def __init__(self, source: InputFile, header: list[str], rows: Iterator[tuple[int, list[Any]]]) -> None:
        self.source = source
        self.header = header
        self._rows = rows
        self._closers: list[Any] = []
        self._raw: _CountingRaw | None = None

    @property
    def bytes_read(self) -> int:
        return self._raw.count if self._raw is not None else 0

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows

    def close(self) -> None:
        for closer in reversed(self._closers):
            # Closing after an error must not hide that error.
            with contextlib.suppress(Exception):
                closer.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_header(source: InputFile, header: list[str]) -> list[str]:
    names = [h.strip() for h in header]
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(source.name, f"empty column name at position {position}", line=1)
        if name in seen:
            raise InputError(source.name, "duplicate column name in header", line=1, column=name)
        seen.add(name)
    return names


def _decoded_stream(source: InputFile, raw: _CountingRaw, gzipped: bool) -> Any:
    buffered: Any = io.BufferedReader(raw, buffer_size=1 << 20)
    if gzipped:
        return gzip.GzipFile(fileobj=buffered, mode="rb")
    return buffered


def open_reader(
    source: InputFile,
    input_format: InputFormat,
    gzipped: bool,
    csv_options: CsvOptions,
    *,
    s3_client: Any = None,
) -> TableReader:
    """Open a file and read its header (CSV header row, first JSON object's keys, Parquet schema)."""
    if input_format is InputFormat.PARQUET:
        return _open_parquet(source, gzipped, s3_client)
    raw = _open_raw(source, s3_client)
    stream = _decoded_stream(source, raw, gzipped)
    try:
        reader = (
            _open_csv(source, stream, csv_options)
            if input_format is InputFormat.CSV
            else _open_jsonl(source, stream)
        )
    except BaseException:
        stream.close()
        raw.close()
        raise
    reader._raw = raw
    reader._closers = [raw, stream]
    return reader


def _translate_read_errors(
    source: InputFile, exc: BaseException, line: int | None, encoding: str
) -> InputError:
    if isinstance(exc, UnicodeDecodeError):
        return InputError(source.name, f"not valid {encoding} text (wrong encoding?)", line=line)
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)):
        return InputError(source.name, "truncated or corrupt gzip data", line=line)
    if isinstance(exc, csv.Error):
        reason = str(exc)
        if "unexpected end of data" in reason or "EOF" in reason:
            reason = "unterminated quoted field"
        return InputError(source.name, f"malformed CSV: {reason}", line=line)
    return InputError(source.name, f"cannot read: {type(exc).__name__}", line=line)


def _check_bom(source: InputFile, head: bytes, encoding: str) -> None:
    if head.startswith(_UTF16_BOMS) and encoding.lower().startswith("utf-8"):
        raise InputError(
            source.name,
            "file starts with a UTF-16 byte-order mark; re-save it as UTF-8 or set the CSV encoding",
            line=1,
        )


def _open_csv(source: InputFile, stream: Any, options: CsvOptions) -> TableReader:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    peekable = io.BufferedReader(stream, buffer_size=1 << 16) if not hasattr(stream, "peek") else stream
    try:
        _check_bom(source, peekable.peek(4)[:4], options.encoding)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _translate_read_errors(source, exc, 1, options.encoding) from None
    text = io.TextIOWrapper(peekable, encoding=options.encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=options.delimiter, quotechar=options.quote, strict=True)
    try:
        if options.header:
            first = next(reader, None)
            while first is not None and not first:
                first = next(reader, None)
            if first is None:
                raise InputError(source.name, "file is empty (no header row)")
            header = _check_header(source, first)
        else:
            header = _check_header(source, list(options.column_names or []))
    except InputError:
        raise
    except (csv.Error, UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _translate_read_errors(source, exc, reader.line_num or 1, options.encoding) from None
    width = len(header)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        count = 0
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    raise InputError(
                        source.name,
                        f"row has {len(row)} fields, the header has {width}",
                        line=reader.line_num,
                    )
                count += 1
                yield reader.line_num, [v if v != "" else None for v in row]
        except InputError:
            raise
        except (csv.Error, UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise _translate_read_errors(source, exc, reader.line_num + 1, options.encoding) from None
        if count == 0:
            raise InputError(source.name, "no data rows (header only)")

    return TableReader(source, header, rows())


def _open_jsonl(source: InputFile, stream: Any) -> TableReader:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict")
    line_no = 0

    def parse(line: str) -> dict[str, Any]:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            if line_no == 1 and line.lstrip().startswith("["):
                raise InputError(
                    source.name, "a JSON array/document, not JSON lines (one object per line)", line=1
                ) from None
            raise InputError(
                source.name, "not valid JSON (JSON lines: one object per line)", line=line_no
            ) from None
        if not isinstance(value, dict):
            kind = "an array" if isinstance(value, list) else type(value).__name__
            raise InputError(source.name, f"JSON line is {kind}, not an object", line=line_no)
        return value

    def next_record() -> dict[str, Any] | None:
        nonlocal line_no
        for line in text:
            line_no += 1
            if line.strip():
                return parse(line)
        return None

    try:
        first = next_record()
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _translate_read_errors(source, exc, line_no + 1, "utf-8") from None
    if first is None:
        raise InputError(source.name, "file is empty (no JSON object)")
    header = _check_header(source, list(first))
    if header != list(first):
        first = {k.strip(): v for k, v in first.items()}
    keys = set(header)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        record: dict[str, Any] | None = first
        try:
            while record is not None:
                if record.keys() - keys:
                    extra = sorted(str(k) for k in record.keys() - keys)[0]
                    raise InputError(
                        source.name, "key not present in the first record", line=line_no, column=extra
                    )
                yield line_no, [record.get(k) for k in header]
                record = next_record()
        except InputError:
            raise
        except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise _translate_read_errors(source, exc, line_no + 1, "utf-8") from None

    return TableReader(source, header, rows())


def _open_parquet(source: InputFile, gzipped: bool, s3_client: Any) -> TableReader:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    if gzipped:
        raise InputError(source.name, "gzip-compressed Parquet is not supported (Parquet compresses itself)")
    closers: list[Any] = []
    path = source.uri
    if source.is_s3:
        # Parquet needs random access: spool the object to a local temporary file.
        raw = _open_raw(source, s3_client)
        spool = tempfile.NamedTemporaryFile(prefix="amc-in-", suffix=".parquet", delete=False)  # noqa: SIM115
        with raw, spool:
            while chunk := raw.read(1 << 20):
                spool.write(chunk)
        path = spool.name
        closers.append(_Unlinker(path))
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(source.name, f"not a readable Parquet file ({type(exc).__name__})") from None
    header = _check_header(source, list(parquet.schema_arrow.names))
    if parquet.metadata.num_rows == 0:
        raise InputError(source.name, "no data rows")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for batch in parquet.iter_batches(batch_size=8192):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for values in zip(*columns, strict=True):
                    number += 1
                    yield number, list(values)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                source.name, f"corrupt Parquet data ({type(exc).__name__})", line=number
            ) from None

    reader = TableReader(source, header, rows())
    reader._closers = [*closers, parquet]
    return reader


class _Unlinker:
    def __init__(self, path: str) -> None:
        self.path = path

    def close(self) -> None:
        Path(self.path).unlink(missing_ok=True)
