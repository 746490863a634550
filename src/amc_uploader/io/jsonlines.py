"""JSON lines: one object per line; the first object's keys are the header (a lenient reader: the first
object's after the lines it rejected)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from amc_uploader.io.formats import FileKind
from amc_uploader.io.limits import READ_BUFFER
from amc_uploader.io.sources import GZIP_ERRORS, Source, gzip_error, is_gzip, locate_undecodable, open_binary
from amc_uploader.io.table import Rejected, TableReader


class JsonLinesReader(TableReader):
    def __init__(
        self, source: Source, kind: FileKind, *, s3_client: Any = None, lenient: bool = False
    ) -> None:
        super().__init__(source, kind, lenient=lenient)
        self._s3 = s3_client
        self._physical = 0
        self._leading: list[tuple[int, Rejected]] = []
        self._raw = open_binary(source, s3_client)
        self._closers = [self._raw]
        try:
            self._first = self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> dict[str, Any] | None:
        assert self._raw is not None
        buffered = io.BufferedReader(self._raw, buffer_size=READ_BUFFER)
        try:
            gzipped = is_gzip(self.source, self.kind, buffered.peek(2)[:2])
        except GZIP_ERRORS:
            raise gzip_error(self.source, 1) from None
        self.kind = replace(self.kind, gzip=gzipped)
        stream: Any = gzip.GzipFile(fileobj=buffered, mode="rb") if gzipped else buffered
        self._closers.append(stream)
        try:
            self.check_text(bytes(stream.peek(64)[:64]), "JSON lines")
        except GZIP_ERRORS:
            raise gzip_error(self.source, 1) from None
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        first = self._guarded_next()
        while isinstance(first, Rejected):
            self._leading.append((self._physical, first))
            first = self._guarded_next()
        if first is None:
            if self._leading:
                return None
            raise self.fail("file is empty (no JSON object)", code="empty_file")
        self.header = self.check_header(list(first), self._physical)
        if self.header != list(first):
            first = {str(k).strip(): v for k, v in first.items()}
        return first

    def _guarded_next(self) -> dict[str, Any] | Rejected | None:
        try:
            return self._next_record()
        except UnicodeDecodeError:
            line = locate_undecodable(self.source, self.kind.gzip, "utf-8-sig", self._s3)
            raise self.fail(
                "not valid UTF-8 text (wrong encoding?)", line=line or self._physical + 1, code="bad_encoding"
            ) from None
        except GZIP_ERRORS:
            raise gzip_error(self.source, self._physical + 1) from None

    def _next_record(self) -> dict[str, Any] | Rejected | None:
        for text in self._text:
            self._physical += 1
            if text.strip():
                return self._parse(text)
        return None

    def _parse(self, text: str) -> dict[str, Any] | Rejected:
        line = self._physical
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            if line == 1 and text.lstrip().startswith("["):
                reason = "a JSON array/document, not JSON lines (one object per line)"
            else:
                reason = "not valid JSON (JSON lines: one object per line)"
            return self.reject(reason, line=line, code="bad_json")
        if not isinstance(value, dict):
            what = "an array" if isinstance(value, list) else type(value).__name__
            return self.reject(f"JSON line is {what}, not an object", line=line, code="bad_json")
        return value

    def _objects(self) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        yield from self._leading
        record: dict[str, Any] | Rejected | None = self._first
        while record is not None:
            self.line = self._physical
            yield self._physical, record
            record = self._guarded_next()

    def rows(self, *, empty_as_none: bool = False) -> Iterator[tuple[int, list[Any]]]:
        header = self.header
        keys = set(header)
        for line, record in self._objects():
            if isinstance(record, Rejected):
                continue
            if record.keys() - keys:
                # The key is not a declared header (it may be a value, e.g. an e-mail address): never quoted.
                raise self.fail("a key not present in the first record", line=line, code="unexpected_key")
            yield line, [record.get(k) for k in header]

    def scan(self) -> Iterator[tuple[int, dict[str, Any] | Rejected]]:
        if not self.lenient:
            yield from super().scan()
            return
        yield from self._objects()
