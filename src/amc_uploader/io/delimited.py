"""CSV and TSV: the delimiter is given, implied by the name (`.tsv`), or sniffed from the first line."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from amc_uploader.io.errors import RecordFileError
from amc_uploader.io.formats import FileKind, sniff_delimiter
from amc_uploader.io.limits import FIELD_LIMIT, READ_BUFFER
from amc_uploader.io.sources import GZIP_ERRORS, Source, gzip_error, is_gzip, locate_undecodable, open_binary
from amc_uploader.io.table import Rejected, TableReader

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _label(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "UTF-8" if name in ("utf-8", "utf-8-sig") else encoding


@dataclass(frozen=True)
class CsvDialect:
    """How to read a CSV/TSV file. ``delimiter`` None: the name's (`.tsv`: tab), else sniffed from the
    first line; without a header row, ``column_names`` name the columns. ``escape`` (none by default)
    makes the next character literal; a line starting with ``comment`` (none by default) is skipped."""

    delimiter: str | None = None
    quote: str = '"'
    header: bool = True
    column_names: tuple[str, ...] = ()
    encoding: str = "utf-8-sig"
    escape: str | None = None
    comment: str | None = None


def _spanning(exc: csv.Error) -> str | None:
    """The reason of an error found past the record's start (an unterminated quote, a field longer than
    the limit), None for one found where the parser stands."""
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return "malformed CSV: unterminated quoted field"
    if "field limit" in text:
        return f"malformed CSV: a field is longer than {FIELD_LIMIT} characters"
    return None


def _peek(stream: Any, size: int) -> bytes:
    """Up to ``size`` first bytes of a buffered stream, without consuming them (a gzip stream's ``peek``
    may return fewer than asked, a short file fewer than exist)."""
    return bytes(stream.peek(size)[:size])


def _uncommented(lines: Iterator[str], comment: str) -> Iterator[str]:
    """An empty line for each comment line: the parser skips it and its line numbers stay the file's."""
    for line in lines:
        yield "\n" if line.startswith(comment) else line


class DelimitedReader(TableReader):
    def __init__(
        self,
        source: Source,
        kind: FileKind,
        dialect: CsvDialect | None = None,
        *,
        s3_client: Any = None,
        lenient: bool = False,
    ) -> None:
        super().__init__(source, kind, lenient=lenient)
        dialect = dialect or CsvDialect()
        self._encoding = dialect.encoding
        self._s3 = s3_client
        csv.field_size_limit(FIELD_LIMIT)
        self._raw = open_binary(source, s3_client)
        self._closers = [self._raw]
        try:
            self._open(dialect)
        except BaseException:
            self.close()
            raise

    def _open(self, dialect: CsvDialect) -> None:
        assert self._raw is not None
        buffered = io.BufferedReader(self._raw, buffer_size=READ_BUFFER)
        try:
            gzipped = is_gzip(self.source, self.kind, buffered.peek(2)[:2])
            self.kind = replace(self.kind, gzip=gzipped)
            stream: Any = gzip.GzipFile(fileobj=buffered, mode="rb") if gzipped else buffered
            self._closers.append(stream)
            head = _peek(stream, 64)
            self.check_text(head, "CSV")
            bom = head[:4]
            if bom.startswith(_UTF16_BOMS) and _label(self._encoding) == "UTF-8":
                raise self.fail(
                    "file starts with a UTF-16 byte-order mark; re-save it as UTF-8 or set the CSV encoding",
                    line=1,
                    code="bad_encoding",
                )
            text = io.TextIOWrapper(stream, encoding=self._encoding, errors="strict", newline="")
            first = text.readline()
        except UnicodeDecodeError:
            raise self._undecodable(1) from None
        except GZIP_ERRORS:
            raise gzip_error(self.source, 1) from None
        self.delimiter = dialect.delimiter or self.kind.delimiter or sniff_delimiter(first)
        lines: Iterator[str] = itertools.chain([first] if first else [], text)
        if dialect.comment:
            lines = _uncommented(lines, dialect.comment)
        self._csv = reader = csv.reader(
            lines, delimiter=self.delimiter, quotechar=dialect.quote, escapechar=dialect.escape, strict=True
        )
        if not dialect.header:
            self.header = self.check_header(list(dialect.column_names), None)
            return
        try:
            names = next(reader, None)
            while names is not None and not names:
                names = next(reader, None)
        except csv.Error as exc:
            raise self._csv_error(exc, 1) from None
        except UnicodeDecodeError:
            raise self._undecodable(reader.line_num + 1) from None
        except GZIP_ERRORS:
            raise gzip_error(self.source, reader.line_num + 1) from None
        if names is None:
            raise self.fail("file is empty (no header row)", code="empty_file")
        self.header = self.check_header(names, reader.line_num)

    def _undecodable(self, fallback: int) -> RecordFileError:
        line = locate_undecodable(self.source, self.kind.gzip, self._encoding, self._s3)
        return self.fail(
            f"not valid {_label(self._encoding)} text (wrong encoding?)",
            line=line or fallback,
            code="bad_encoding",
        )

    def _csv_error(self, exc: csv.Error, record_start: int) -> RecordFileError:
        """An unterminated quote or an oversized field is reported where its record starts (the parser
        only notices at the end of the file or of the limit); any other error where the parser stands."""
        reason = _spanning(exc)
        if reason is not None:
            return self.fail(reason, line=record_start, code="bad_csv")
        return self.fail(f"malformed CSV: {exc}", line=self._csv.line_num, code="bad_csv")

    def _parsed(self) -> Iterator[tuple[int, list[str] | Rejected]]:
        """``(line, fields)`` of every non-empty row; a ragged or malformed row is ``reject``ed, but an
        unterminated quote or an oversized field fails the file even when lenient: where the next row
        starts is unknown."""
        reader = self._csv
        width = len(self.header)
        count = 0
        line = reader.line_num
        while True:
            try:
                row = next(reader, None)
            except csv.Error as exc:
                if not self.lenient or _spanning(exc) is not None:
                    raise self._csv_error(exc, line + 1) from None
                line = self.line = reader.line_num
                count += 1
                yield line, Rejected(f"malformed CSV: {exc}", "bad_csv")
                continue
            except UnicodeDecodeError:
                raise self._undecodable(reader.line_num + 1) from None
            except GZIP_ERRORS:
                raise gzip_error(self.source, reader.line_num + 1) from None
            if row is None:
                break
            line = reader.line_num
            if len(row) != width:
                if not row:
                    continue
                count += 1
                self.line = line
                reason = f"row has {len(row)} fields, the header has {width}"
                yield line, self.reject(reason, line=line, code="ragged_row")
                continue
            count += 1
            self.line = line
            yield line, row
        if count == 0:
            raise self.no_rows()

    def rows(self, *, empty_as_none: bool = False) -> Iterator[tuple[int, list[Any]]]:
        for line, row in self._parsed():
            if isinstance(row, Rejected):
                continue
            yield line, [v if v != "" else None for v in row] if empty_as_none else row

    def scan(self) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        header = self.header
        for line, row in self._parsed():
            yield line, row if isinstance(row, Rejected) else dict(zip(header, row, strict=True))
