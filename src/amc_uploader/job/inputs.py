"""The job's inputs: discovery (paths, globs, directories, s3:// URIs) and the readers of
``amc_uploader.io`` with their errors as ``InputError`` (a job failure)."""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from amc_uploader.io import (
    CsvDialect,
    FileKind,
    InputFormat,
    RecordFileError,
    Source,
    TableReader,
    detect_source_kind,
    kind_from_name,
)
from amc_uploader.io import open_table as _open_table
from amc_uploader.io.sources import s3_client_or_default
from amc_uploader.job.config import CsvOptions
from amc_uploader.job.errors import InputError

__all__ = ["InputFile", "InputReader", "detect_format", "discover_inputs", "open_reader"]

_GLOB_CHARS = re.compile(r"[*?\[]")


#: One input: an absolute local path or ``s3://bucket/key``.
InputFile = Source


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


def _discover_s3(pattern: str, s3_client: Any) -> list[InputFile]:
    client = s3_client_or_default(s3_client)
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


def detect_format(source: InputFile, declared: InputFormat | None, *, s3_client: Any = None) -> FileKind:
    """Format (declared, else from the extension, else from the content), gzip and the name's delimiter."""
    try:
        return detect_source_kind(source, declared, s3_client=s3_client)
    except RecordFileError as exc:
        raise InputError.of(exc) from None


class InputReader:
    """A ``TableReader`` whose errors are ``InputError``s; rows have empty CSV fields as None."""

    def __init__(self, reader: TableReader) -> None:
        self._reader = reader
        self.source = reader.source
        self.header = reader.header
        self.delimiter = reader.delimiter

    @property
    def bytes_read(self) -> int:
        return self._reader.bytes_read

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from self._reader.rows(empty_as_none=True)
        except RecordFileError as exc:
            raise InputError.of(exc) from None

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> InputReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _dialect(options: CsvOptions) -> CsvDialect:
    return CsvDialect(
        options.delimiter, options.quote, options.header, tuple(options.column_names or ()), options.encoding
    )


def open_reader(
    source: InputFile,
    input_format: InputFormat,
    gzipped: bool,
    csv_options: CsvOptions,
    *,
    s3_client: Any = None,
) -> InputReader:
    """Open a file and read its header (CSV header row, first JSON object's keys, Parquet schema)."""
    by_name = kind_from_name(source.uri)
    kind = FileKind(input_format, gzipped, by_name.delimiter if by_name is not None else None)
    try:
        return InputReader(_open_table(source, kind, dialect=_dialect(csv_options), s3_client=s3_client))
    except RecordFileError as exc:
        raise InputError.of(exc) from None
