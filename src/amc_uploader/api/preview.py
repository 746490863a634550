"""Read the head of source files in S3: columns, inferred types, fill rates and PII suggestions."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from amc_client.models import DataType
from amc_uploader.api.errors import NotFoundError, UnprocessableError
from amc_uploader.job.config import InputFormat
from amc_uploader.job.inputs import format_from_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_PARQUET_BYTES = 256 * 1024 * 1024
_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")
_US_TS = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2}(:\d{2})?$")


def detect_format(key: str, content_type: str | None = None) -> InputFormat:
    by_name = format_from_name(key)
    if by_name is not None:
        return by_name
    ct = (content_type or "").lower()
    if "json" in ct:
        return InputFormat.JSONL
    if "parquet" in ct:
        return InputFormat.PARQUET
    if "csv" in ct or ct.startswith("text/"):
        return InputFormat.CSV
    raise UnprocessableError(
        f"Cannot infer the format of {key}; choose CSV, JSONL or PARQUET.", code="unknown_format"
    )


@dataclass
class FileHead:
    key: str
    file_format: InputFormat
    columns: list[str]
    rows: list[dict[str, str | None]]


def _open(s3: S3Client, bucket: str, key: str) -> tuple[Any, str | None, int]:
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404", "NotFound"):
            raise NotFoundError(f"s3://{bucket}/{key} does not exist.", code="file_not_found") from None
        raise
    return obj["Body"], obj.get("ContentType"), int(obj.get("ContentLength", 0))


def _text_stream(raw: Any, key: str) -> io.TextIOBase:
    head = raw.read(2)
    rest = _Prepend(head, raw)
    stream: Any = gzip.GzipFile(fileobj=rest) if head == b"\x1f\x8b" else rest
    # utf-8-sig drops a BOM; undecodable bytes are reported below.
    return io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig", newline="")


class _Prepend(io.RawIOBase):
    def __init__(self, head: bytes, raw: Any):
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._raw.read(len(b))
        b[: len(data)] = data
        return len(data)


def _cell(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def read_head(
    s3: S3Client, bucket: str, key: str, file_format: InputFormat | None, max_rows: int
) -> FileHead:
    body, content_type, size = _open(s3, bucket, key)
    fmt = file_format or detect_format(key, content_type)
    try:
        if fmt is InputFormat.PARQUET:
            return _read_parquet(body, key, size, max_rows)
        text = _text_stream(body, key)
        if fmt is InputFormat.CSV:
            return _read_csv(text, key, max_rows)
        return _read_jsonl(text, key, max_rows)
    except UnicodeDecodeError:
        raise UnprocessableError(f"{key}: not UTF-8 text.", code="bad_encoding") from None
    except (gzip.BadGzipFile, EOFError, OSError):
        raise UnprocessableError(f"{key}: corrupt or truncated gzip data.", code="bad_gzip") from None
    finally:
        body.close()


def _read_csv(text: io.TextIOBase, key: str, max_rows: int) -> FileHead:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise UnprocessableError(f"{key}: the file is empty.", code="empty_file") from None
    except csv.Error:
        raise UnprocessableError(f"{key}: unreadable CSV header.", code="bad_csv") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise UnprocessableError(f"{key}: the header row is empty.", code="empty_header")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UnprocessableError(f"{key}: duplicate column names {dupes}.", code="duplicate_columns")
    rows: list[dict[str, str | None]] = []
    try:
        for line_no, record in enumerate(reader, start=2):
            if len(rows) >= max_rows:
                break
            if not record:
                continue
            if len(record) != len(header):
                raise UnprocessableError(
                    f"{key}: row {line_no} has {len(record)} fields, the header has {len(header)}.",
                    code="ragged_row",
                )
            rows.append({h: (v if v != "" else None) for h, v in zip(header, record, strict=True)})
    except csv.Error:
        raise UnprocessableError(f"{key}: malformed CSV near row {len(rows) + 2}.", code="bad_csv") from None
    return FileHead(key, InputFormat.CSV, header, rows)


def _read_jsonl(text: io.TextIOBase, key: str, max_rows: int) -> FileHead:
    columns: dict[str, None] = {}
    rows: list[dict[str, str | None]] = []
    for line_no, line in enumerate(_lines(text), start=1):
        if len(rows) >= max_rows:
            break
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise UnprocessableError(
                f"{key}: line {line_no} is not a JSON object (JSON lines expected).", code="bad_json"
            ) from None
        if not isinstance(obj, dict):
            raise UnprocessableError(f"{key}: line {line_no} is not a JSON object.", code="bad_json")
        for k in obj:
            columns.setdefault(str(k))
        rows.append({str(k): _cell(v) for k, v in obj.items()})
    if not rows:
        raise UnprocessableError(f"{key}: the file has no records.", code="empty_file")
    return FileHead(key, InputFormat.JSONL, list(columns), rows)


def _lines(text: io.TextIOBase) -> Iterator[str]:
    yield from text


def _read_parquet(body: Any, key: str, size: int, max_rows: int) -> FileHead:
    if size > MAX_PARQUET_BYTES:
        raise UnprocessableError(f"{key}: too large to preview here.", code="file_too_large")
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:  # the Lambda bundle has no pyarrow
        raise UnprocessableError(
            f"{key}: Parquet files cannot be previewed here; give the columns by hand.",
            code="parquet_unavailable",
        ) from None

    try:
        pf = pq.ParquetFile(io.BytesIO(body.read()))
    except Exception:
        raise UnprocessableError(f"{key}: not a readable Parquet file.", code="bad_parquet") from None
    columns = list(pf.schema_arrow.names)
    rows: list[dict[str, str | None]] = []
    for batch in pf.iter_batches(batch_size=max_rows):
        for rec in batch.to_pylist():
            rows.append({c: _cell(rec.get(c)) for c in columns})
        break
    return FileHead(key, InputFormat.PARQUET, columns, rows)


def infer_type(values: list[str]) -> DataType:
    """The narrowest AMC data type every sample value fits."""
    if not values:
        return DataType.STRING
    if all(_INT.match(v) for v in values):
        # Leading zeros (zip codes, ids) stay strings.
        if any(len(v.lstrip("+-")) > 1 and v.lstrip("+-").startswith("0") for v in values):
            return DataType.STRING
        return DataType.INTEGER if all(-(2**31) <= int(v) < 2**31 for v in values) else DataType.LONG
    if all(_DEC.match(v) for v in values):
        return DataType.DECIMAL
    if all(_DATE.match(v) for v in values):
        return DataType.DATE
    if all(_TS.match(v) or _US_TS.match(v) for v in values):
        return DataType.TIMESTAMP
    return DataType.STRING
