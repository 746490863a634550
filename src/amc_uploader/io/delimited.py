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
from amc_uploader.io.table import TableReader

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _label(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "UTF-8" if name in ("utf-8", "utf-8-sig") else encoding


@dataclass(frozen=True)
class CsvDialect:
    """How to read a CSV/TSV file. ``delimiter`` None: the name's (`.tsv`: tab), else sniffed from the
    first line; without a header row, ``column_names`` name the columns."""

    delimiter: str | None = None
    quote: str = '"'
    header: bool = True
    column_names: tuple[str, ...] = ()
    encoding: str = "utf-8-sig"


class DelimitedReader(TableReader):
    def __init__(
        self, source: Source, kind: FileKind, dialect: CsvDialect | None = None, *, s3_client: Any = None
    ) -> None:
        super().__init__(source, kind)
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
            bom = stream.peek(4)[:4]
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
        lines = itertools.chain([first] if first else [], text)
        self._csv = reader = csv.reader(lines, delimiter=self.delimiter, quotechar=dialect.quote, strict=True)
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
        text = str(exc)
        if "unexpected end of data" in text or "EOF" in text:
            return self.fail("malformed CSV: unterminated quoted field", line=record_start, code="bad_csv")
        if "field limit" in text:
            reason = f"malformed CSV: a field is longer than {FIELD_LIMIT} characters"
            return self.fail(reason, line=record_start, code="bad_csv")
        return self.fail(f"malformed CSV: {text}", line=self._csv.line_num, code="bad_csv")

    def rows(self, *, empty_as_none: bool = False) -> Iterator[tuple[int, list[Any]]]:
        reader = self._csv
        width = len(self.header)
        count = 0
        line = reader.line_num
        try:
            for row in reader:
                line = reader.line_num
                if len(row) != width:
                    if not row:
                        continue
                    raise self.fail(
                        f"row has {len(row)} fields, the header has {width}", line=line, code="ragged_row"
                    )
                count += 1
                self.line = line
                yield line, [v if v != "" else None for v in row] if empty_as_none else row
        except csv.Error as exc:
            raise self._csv_error(exc, line + 1) from None
        except UnicodeDecodeError:
            raise self._undecodable(reader.line_num + 1) from None
        except GZIP_ERRORS:
            raise gzip_error(self.source, reader.line_num + 1) from None
        if count == 0:
            raise self.no_rows()
