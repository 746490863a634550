"""The head of source files in S3, read with the product's readers; their errors as domain errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from amc_uploader.api.domain_errors import InvalidRequest, SourceFileNotFound
from amc_uploader.io import InputFormat, RecordFileError, Source, cell_text
from amc_uploader.io import read_head as read_file_head

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass
class FileHead:
    key: str
    file_format: InputFormat
    columns: list[str]
    rows: list[dict[str, str | None]]


def read_head(
    s3: S3Client, bucket: str, key: str, file_format: InputFormat | None, max_rows: int
) -> FileHead:
    """Columns and the first ``max_rows`` rows as text; a bad file is a 422 naming file, line and cause."""
    try:
        head = read_file_head(Source(f"s3://{bucket}/{key}"), max_rows, declared=file_format, s3_client=s3)
    except RecordFileError as exc:
        if exc.code == "file_not_found":
            raise SourceFileNotFound(bucket, key) from None
        raise InvalidRequest(str(exc), code=exc.code) from None
    rows = [{c: cell_text(v) for c, v in zip(head.columns, values, strict=True)} for values in head.rows]
    return FileHead(key, head.kind.format, head.columns, rows)
