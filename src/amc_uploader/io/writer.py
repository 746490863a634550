"""The all-or-nothing writer: CSV/TSV or JSON lines (gzip when the name ends in `.gz`).

It writes a hidden temporary file beside the target and renames it into place only on `commit()`: a
failed run leaves no partial output.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import operator
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from amc_uploader.io.cells import REPLACE_SURROGATES, cell_text
from amc_uploader.io.errors import RecordFileError
from amc_uploader.io.formats import FileKind, InputFormat, detect_kind

_PLAIN = frozenset({str, int, float, type(None)})


def _row_getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """operator.itemgetter that always returns a tuple (it returns a bare value for one key)."""
    if len(columns) > 1:
        return operator.itemgetter(*columns)
    if len(columns) == 1:
        one = operator.itemgetter(columns[0])
        return lambda record: (one(record),)
    return lambda record: ()


def output_kind(path: str | Path) -> FileKind:
    """The kind of an output file from its name: CSV, TSV or JSON lines, optionally .gz."""
    kind = detect_kind(path)
    if kind.format is InputFormat.PARQUET:
        raise RecordFileError(
            path,
            "unknown file type for output: expected .csv, .tsv or .jsonl (optionally .gz)",
            code="unknown_format",
        )
    return kind


class RecordWriter:
    """Write records to CSV / JSON lines (gzip when the name ends in `.gz`), all or nothing.

    Data goes to a hidden temporary file in the target directory; `commit()` renames it into place,
    `abort()` (or leaving the `with` block with an exception) deletes it.
    """

    def __init__(self, path: str | Path, columns: Sequence[str], kind: FileKind | None = None) -> None:
        self.path = Path(path)
        self.kind = kind or output_kind(self.path)
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
        self._text = io.TextIOWrapper(
            binary, encoding="utf-8", errors=REPLACE_SURROGATES, newline="", write_through=False
        )
        self._done = False
        if self.kind.format is InputFormat.CSV:
            self._csv = csv.writer(self._text, delimiter=self.kind.delimiter or ",", lineterminator="\n")
            self._csv.writerow(self.columns)
            self._pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _row_getter(self.columns)

    def write(self, record: Mapping[str, Any]) -> None:
        if self.kind.format is InputFormat.CSV:
            try:
                row = self._pick(record)  # C-level: every column present
            except KeyError:
                row = tuple(record.get(c) for c in self.columns)
            if len(record) > len(self.columns) or not self._column_set.issuperset(record):
                extra = next(k for k in record if k not in self._column_set)
                raise RecordFileError(self.path, "column not in the output header", column=str(extra))
            # csv writes str, int, float and None ("") itself; only other types need `cell_text`.
            if not _PLAIN.issuperset(map(type, row)):
                row = tuple(cell_text(v) for v in row)
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
