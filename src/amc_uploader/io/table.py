"""The reader every format shares: a checked header, then ``(line, values in header order)`` rows."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from amc_uploader.io.errors import RecordFileError
from amc_uploader.io.formats import FileKind, binary_format
from amc_uploader.io.limits import MAX_COLUMNS
from amc_uploader.io.sources import CountingRaw, Source


@dataclass(frozen=True, slots=True)
class Rejected:
    """A malformed row a lenient reader hands back instead of failing the file: why (never a value)
    and the ``code`` the default reader would raise with."""

    reason: str
    code: str


class TableReader:
    """Header plus a stream of rows of one file. ``line`` is the line (Parquet: row) last yielded;
    ``bytes_read``/``size`` measure progress on the file as stored (compressed bytes for gzip).

    ``lenient`` (off by default): a row that cannot be parsed (a ragged or malformed CSV row, a JSON line
    that is not an object) is not an error of the file: ``scan`` yields it as a ``Rejected`` and ``rows``
    skips it. A file that cannot be read at all still raises.
    """

    def __init__(self, source: Source, kind: FileKind, *, lenient: bool = False) -> None:
        self.source = source
        self.kind = kind
        self.lenient = lenient
        self.header: list[str] = []
        self.delimiter: str | None = None
        self.line = 0
        self.size = source.size
        self._raw: CountingRaw | None = None
        self._closers: list[Any] = []

    @property
    def columns(self) -> list[str]:
        return self.header

    @property
    def bytes_read(self) -> int:
        return self._raw.count if self._raw is not None else 0

    def fail(
        self,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        position: int | None = None,
        code: str = "bad_file",
    ) -> RecordFileError:
        return RecordFileError(
            self.source.name, reason, line=line, column=column, position=position, code=code
        )

    def reject(self, reason: str, *, line: int, code: str) -> Rejected:
        """A row-level problem: a ``Rejected`` when lenient, else raised as the file's error."""
        if not self.lenient:
            raise self.fail(reason, line=line, code=code)
        return Rejected(reason, code)

    def check_header(self, names: list[Any], line: int | None) -> list[str]:
        """Names stripped of spaces; empty, duplicate or too many names are errors."""
        if len(names) > MAX_COLUMNS:
            raise self.fail(
                f"{len(names)} columns; at most {MAX_COLUMNS}", line=line, code="too_many_columns"
            )
        header = [str(n).strip() for n in names]
        seen: set[str] = set()
        for position, name in enumerate(header, start=1):
            if not name:
                raise self.fail(f"empty column name at position {position}", line=line, code="empty_header")
            if name in seen:
                raise self.fail(
                    "duplicate column name in the header",
                    line=line,
                    column=name,
                    position=position,
                    code="duplicate_columns",
                )
            seen.add(name)
        return header

    def check_text(self, head: bytes, expected: str) -> None:
        """Raise when the first (decompressed) bytes are a binary format's (Parquet, ZIP, bzip2 ...) rather
        than ``expected`` text (e.g. "CSV"): the message says what the file is, not "not valid UTF-8"."""
        found = binary_format(head)
        if found is not None:
            what, hint = found
            raise self.fail(f"file is {what}, not {expected}: {hint}", line=1, code="wrong_format")

    def no_rows(self) -> RecordFileError:
        return self.fail("no data rows (header only)", code="empty_file")

    def rows(self, *, empty_as_none: bool = False) -> Iterator[tuple[int, list[Any]]]:
        """``(line, values)`` in header order; ``empty_as_none`` turns empty CSV fields into None."""
        raise NotImplementedError

    def scan(self) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        """``(line, record)`` of every row; a lenient reader yields a malformed row as a ``Rejected`` and
        (JSON lines) each object whole, keys beyond the first object's included."""
        header = self.header
        for line, values in self.rows():
            yield line, dict(zip(header, values, strict=True))

    def records(self) -> Iterator[dict[str, Any]]:
        header = self.header
        for _, values in self.rows():
            yield dict(zip(header, values, strict=True))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.records()

    def close(self) -> None:
        for closer in reversed(self._closers):
            # Closing after an error must not hide that error.
            with contextlib.suppress(Exception):
                closer.close()
        self._closers = []

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
