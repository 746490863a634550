"""Parquet, one record batch at a time (pyarrow is imported only here). S3 objects are spooled to a
temporary file first: Parquet needs random access."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from amc_normalize.extras import MissingExtraError
from amc_uploader.io.cells import binary_text
from amc_uploader.io.formats import FileKind
from amc_uploader.io.limits import PARQUET_BATCH_ROWS, READ_BUFFER
from amc_uploader.io.sources import Source, open_binary
from amc_uploader.io.table import TableReader


class _Unlinker:
    def __init__(self, path: str) -> None:
        self.path = path

    def close(self) -> None:
        Path(self.path).unlink(missing_ok=True)


class ParquetReader(TableReader):
    def __init__(
        self,
        source: Source,
        kind: FileKind,
        *,
        s3_client: Any = None,
        max_bytes: int | None = None,
        lenient: bool = False,
    ) -> None:
        super().__init__(source, kind, lenient=lenient)
        try:
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError:
            missing = MissingExtraError("parquet", "reading Parquet")
            raise self.fail(str(missing), code="parquet_unavailable") from None
        self._arrow_errors = (pa.ArrowException, OSError)
        if kind.gzip:
            raise self.fail(
                "gzip-compressed Parquet is not supported (Parquet compresses itself)", code="bad_parquet"
            )
        try:
            path = self._local_path(s3_client, max_bytes)
            try:
                self._file = pq.ParquetFile(path)
            except self._arrow_errors as exc:
                raise self.fail(
                    f"not a readable Parquet file ({type(exc).__name__})", code="bad_parquet"
                ) from None
            self._closers.append(self._file)
            self.header = self.check_header(list(self._file.schema_arrow.names), None)
            if self._file.metadata.num_rows == 0:
                raise self.no_rows()
        except BaseException:
            self.close()
            raise

    def _local_path(self, s3_client: Any, max_bytes: int | None) -> str:
        local = self.source.local_path
        if local is not None:
            if max_bytes is not None and (self.size or 0) > max_bytes:
                raise self._too_large(max_bytes)
            return str(local)
        raw = open_binary(self.source, s3_client)
        spool = tempfile.NamedTemporaryFile(prefix="amc-in-", suffix=".parquet", delete=False)  # noqa: SIM115
        self._closers.append(_Unlinker(spool.name))
        with raw, spool:
            while chunk := raw.read(READ_BUFFER):
                spool.write(chunk)
                if max_bytes is not None and raw.count > max_bytes:
                    raise self._too_large(max_bytes)
        return spool.name

    def _too_large(self, max_bytes: int) -> Exception:
        return self.fail(f"larger than {max_bytes} bytes: too large to read here", code="file_too_large")

    def rows(self, *, empty_as_none: bool = False) -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for batch in self._file.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                columns = batch_columns(batch)
                for values in zip(*columns, strict=True):
                    number += 1
                    self.line = number
                    yield number, list(values)
        except self._arrow_errors as exc:
            raise self.fail(
                f"corrupt Parquet data ({type(exc).__name__})", line=number, code="bad_parquet"
            ) from None


def _is_binary(data_type: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_binary(data_type)
        or pa.types.is_large_binary(data_type)
        or pa.types.is_fixed_size_binary(data_type)
        or pa.types.is_binary_view(data_type)
    )


def batch_columns(batch: Any) -> list[list[Any]]:
    """The columns of a record batch as Python lists; binary columns as text (`cells.binary_text`)."""
    columns: list[list[Any]] = []
    for i in range(batch.num_columns):
        array = batch.column(i)
        values = array.to_pylist()
        if _is_binary(array.type):
            values = [None if v is None else binary_text(v) for v in values]
        columns.append(values)
    return columns
