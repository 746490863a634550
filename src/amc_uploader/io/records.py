"""Streaming readers and an all-or-nothing writer for CSV and JSON-lines files (optionally gzip).

Readers decode line by line so an error names the exact line; they never put a cell value into an
error message (values may be PII). The writer writes a hidden temporary file beside the target and
renames it into place only on `commit()`: a failed run leaves no partial output.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import operator
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

_T = TypeVar("_T")
_CSV_SUFFIXES = {".csv"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


class RecordFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class FileKind:
    format: RecordFormat
    gzip: bool


class RecordFileError(ValueError):
    """Bad input or output file: names the file, the line and column when known, and the reason."""

    def __init__(
        self, path: str | Path, reason: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        self.column = column
        where = self.path + (f":{line}" if line is not None else "")
        what = f"column {column!r}: " if column is not None else ""
        super().__init__(f"{where}: {what}{reason}")


def detect_kind(path: str | Path) -> FileKind:
    """CSV or JSON lines from the extension; a trailing `.gz` means gzip (`x.csv.gz`, `x.jsonl.gz`)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    gz = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if gz:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in _CSV_SUFFIXES:
        return FileKind(RecordFormat.CSV, gz)
    if last in _JSONL_SUFFIXES:
        return FileKind(RecordFormat.JSONL, gz)
    raise RecordFileError(p, "unknown file type: expected .csv or .jsonl (optionally .gz)")


class RecordReader:
    """Iterate dict records of one file. `columns` is known once opened (CSV header / first JSON record).

    `line` is the line number of the record last yielded; `bytes_read`/`size` measure progress on the
    file as stored (compressed bytes for gzip).
    """

    def __init__(
        self, path: str | Path, kind: FileKind | None = None, *, delimiter: str | None = None
    ) -> None:
        self.path = Path(path)
        self.kind = kind or detect_kind(self.path)
        self.line = 0
        self._physical = 0
        try:
            self._raw: IO[bytes] = self.path.open("rb")
        except OSError as exc:
            raise RecordFileError(self.path, f"cannot open: {exc.strerror or exc}") from None
        self.size = os.fstat(self._raw.fileno()).st_size
        self._stream: IO[bytes] | gzip.GzipFile = (
            gzip.GzipFile(fileobj=self._raw, mode="rb") if self.kind.gzip else self._raw
        )
        # C-level decoding and line splitting; a decode error is located afterwards (`_bad_utf8`).
        self._text = io.TextIOWrapper(self._stream, encoding="utf-8-sig", newline="")
        self._first: dict[str, Any] | None = None
        self.columns: list[str] = []
        self.delimiter = ","
        try:
            if self.kind.format is RecordFormat.CSV:
                first = self._guard(self._text.readline, 0)
                self.delimiter = delimiter or sniff_delimiter(first)
                lines = itertools.chain([first] if first else [], self._text)
                self._csv = csv.reader(lines, delimiter=self.delimiter, strict=True)
                self.columns = self._read_header()
            else:
                self._first = self._next_json()
                if self._first is None:
                    raise RecordFileError(self.path, "file is empty (no records)")
                self.columns = list(self._first)
        except BaseException:
            self.close()
            raise

    @property
    def bytes_read(self) -> int:
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def _guard(self, step: Callable[[], _T], line: int) -> _T:
        """Run one read step, turning decoding and gzip failures into RecordFileError."""
        try:
            return step()
        except UnicodeDecodeError:
            raise self._bad_utf8() from None
        except (OSError, EOFError, zlib.error) as exc:
            what = "truncated gzip data" if isinstance(exc, EOFError) else "not valid gzip data"
            raise RecordFileError(self.path, what, line=line + 1) from None

    def _bad_utf8(self) -> RecordFileError:
        """Find the first line that is not UTF-8 (only on the error path: reads the file again)."""
        with self.path.open("rb") as raw:
            stream: IO[bytes] | gzip.GzipFile = (
                gzip.GzipFile(fileobj=raw, mode="rb") if self.kind.gzip else raw
            )
            try:
                for number, data in enumerate(stream, start=1):
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        return RecordFileError(
                            self.path, f"not valid UTF-8 (byte {exc.start + 1} of the line)", line=number
                        )
            except (OSError, EOFError, zlib.error):
                pass
        return RecordFileError(self.path, "not valid UTF-8")

    def _read_header(self) -> list[str]:
        try:
            header = self._guard(lambda: next(self._csv, None), 0)
            while header is not None and not header:
                header = self._guard(lambda: next(self._csv, None), self._csv.line_num)
        except csv.Error as exc:
            raise RecordFileError(
                self.path, f"malformed CSV header: {exc}", line=self._csv.line_num
            ) from None
        if header is None:
            raise RecordFileError(self.path, "file is empty (no header row)")
        line = self._csv.line_num
        seen: set[str] = set()
        for index, name in enumerate(header, start=1):
            if not name.strip():
                raise RecordFileError(self.path, f"header field {index} is empty", line=line)
            if name in seen:
                raise RecordFileError(self.path, "duplicate column in the header", line=line, column=name)
            seen.add(name)
        return list(header)

    def _next_json(self) -> dict[str, Any] | None:
        while True:
            text = self._guard(self._text.readline, self._physical)
            if not text:
                return None
            self._physical += 1
            stripped = text.strip()
            if not stripped:
                continue
            line = self._physical
            try:
                record = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise RecordFileError(
                    self.path, f"invalid JSON: {exc.msg} (character {exc.colno})", line=line
                ) from None
            if not isinstance(record, dict):
                raise RecordFileError(self.path, "expected a JSON object per line", line=line)
            self.line = line
            return record

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.kind.format is RecordFormat.CSV:
            return self._iter_csv()
        return self._iter_json()

    def _iter_csv(self) -> Iterator[dict[str, Any]]:
        columns = self.columns
        width = len(columns)
        reader = self._csv
        while True:
            try:
                row = next(reader, None)
            except csv.Error as exc:
                raise RecordFileError(self.path, f"malformed CSV row: {exc}", line=reader.line_num) from None
            except UnicodeDecodeError:
                raise self._bad_utf8() from None
            except (OSError, EOFError, zlib.error) as exc:
                what = "truncated gzip data" if isinstance(exc, EOFError) else "not valid gzip data"
                raise RecordFileError(self.path, what, line=reader.line_num + 1) from None
            if row is None:
                return
            if len(row) != width:
                if not row:
                    continue
                raise RecordFileError(
                    self.path, f"expected {width} fields, found {len(row)}", line=reader.line_num
                )
            self.line = reader.line_num
            yield dict(zip(columns, row, strict=True))

    def _iter_json(self) -> Iterator[dict[str, Any]]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while (record := self._next_json()) is not None:
            yield record

    def close(self) -> None:
        try:
            self._text.close()  # closes the gzip stream too (never the raw file it did not open)
        finally:
            self._raw.close()

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_records(path: str | Path, *, delimiter: str | None = None) -> RecordReader:
    """Open a CSV / JSON-lines file (plain or gzip) for streaming; raises RecordFileError."""
    return RecordReader(path, delimiter=delimiter)


def sniff_delimiter(header: str) -> str:
    """`,` unless the header line has none and uses `;`, tab or `|` instead (European exports)."""
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in (";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_PLAIN = frozenset({str, int, float, type(None)})


def _row_getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """operator.itemgetter that always returns a tuple (it returns a bare value for one key)."""
    if len(columns) > 1:
        return operator.itemgetter(*columns)
    if len(columns) == 1:
        one = operator.itemgetter(columns[0])
        return lambda record: (one(record),)
    return lambda record: ()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class RecordWriter:
    """Write records to CSV / JSON lines (gzip when the name ends in `.gz`), all or nothing.

    Data goes to a hidden temporary file in the target directory; `commit()` renames it into place,
    `abort()` (or leaving the `with` block with an exception) deletes it.
    """

    def __init__(self, path: str | Path, columns: Sequence[str], kind: FileKind | None = None) -> None:
        self.path = Path(path)
        self.kind = kind or detect_kind(self.path)
        self.columns = list(columns)
        self._column_set = set(self.columns)
        self.rows = 0
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        try:
            self._raw: IO[bytes] = self._tmp.open("wb")
        except OSError as exc:
            raise RecordFileError(self.path, f"cannot write: {exc.strerror or exc}") from None
        self._gz: gzip.GzipFile | None = None
        binary: IO[bytes] | gzip.GzipFile = self._raw
        if self.kind.gzip:
            # Level 1: hex digests compress to ~51% at level 1 and ~49% at 6-9, at a third of the CPU.
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=1)
            binary = self._gz
        self._text = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
        self._done = False
        if self.kind.format is RecordFormat.CSV:
            self._csv = csv.writer(self._text, lineterminator="\n")
            self._csv.writerow(self.columns)
            self._pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _row_getter(self.columns)

    def write(self, record: Mapping[str, Any]) -> None:
        if self.kind.format is RecordFormat.CSV:
            try:
                row = self._pick(record)  # C-level: every column present
            except KeyError:
                row = tuple(record.get(c) for c in self.columns)
            if len(record) > len(self.columns) or not self._column_set.issuperset(record):
                extra = next(k for k in record if k not in self._column_set)
                raise RecordFileError(self.path, "column not in the output header", column=str(extra))
            # csv writes str, int, float and None ("") itself; only other types need `_cell`.
            if not _PLAIN.issuperset(map(type, row)):
                row = tuple(_cell(v) for v in row)
            self._csv.writerow(row)
        else:
            self._text.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            self._text.write("\n")
        self.rows += 1

    def _close(self) -> None:
        try:
            self._text.close()  # closes the gzip stream, which does not close the raw file
        finally:
            self._raw.close()

    def commit(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._close()
        except (OSError, ValueError):
            pass
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
