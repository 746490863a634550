"""Where bytes come from: a local path, an ``s3://`` URI (boto3 imported only then) or a caller's opener."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from amc_uploader.io.errors import RecordFileError
from amc_uploader.io.formats import GZIP_MAGIC, FileKind, InputFormat, kind_from_name, sniff_format
from amc_uploader.io.limits import READ_BUFFER, SNIFF_BYTES

#: What a failing gzip stream raises (header, deflate data, truncation).
GZIP_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class Source:
    """One input: an absolute local path or ``s3://bucket/key``.

    ``opener`` (optional) returns a new binary stream of the content on each call, for callers that hold
    the bytes themselves; ``uri`` then only names the file in messages.
    """

    uri: str
    size: int | None = None
    opener: Callable[[], IO[bytes]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, location: str | Path) -> Source:
        text = str(location)
        if text.startswith("s3://"):
            return cls(text)
        path = Path(text)
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        return cls(str(path), size)

    @property
    def is_s3(self) -> bool:
        return self.opener is None and self.uri.startswith("s3://")

    @property
    def local_path(self) -> Path | None:
        return Path(self.uri) if self.opener is None and not self.is_s3 else None

    @property
    def name(self) -> str:
        return self.uri

    def bucket_key(self) -> tuple[str, str]:
        bucket, _, key = self.uri[5:].partition("/")
        return bucket, key


def s3_client_or_default(s3_client: Any, endpoint_url: str | None = None) -> Any:
    """``s3_client``, else a boto3 client of the default credentials (at ``endpoint_url`` if given)."""
    if s3_client is None:
        import boto3

        s3_client = boto3.client("s3", endpoint_url=endpoint_url)
    return s3_client


class CountingRaw(io.RawIOBase):
    """Counts the bytes read from the underlying stream (progress on the file as stored)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


def open_binary(source: Source, s3_client: Any = None) -> CountingRaw:
    """The stored bytes of the source (compressed as stored); the caller closes it."""
    if source.opener is not None:
        return CountingRaw(source.opener())
    if source.is_s3:
        bucket, key = source.bucket_key()
        client = s3_client_or_default(s3_client)
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
        except client.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            missing = code in ("NoSuchKey", "404", "NotFound", "NoSuchBucket")
            raise RecordFileError(
                source.name,
                f"cannot read from S3: {code}",
                code="file_not_found" if missing else "unreadable",
            ) from None
        return CountingRaw(body)
    try:
        return CountingRaw(open(source.uri, "rb"))
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        raise RecordFileError(
            source.name,
            f"cannot open: {exc.strerror or exc}",
            code="file_not_found" if missing else "unreadable",
        ) from None


def gzip_error(source: Source, line: int | None) -> RecordFileError:
    return RecordFileError(source.name, "truncated or corrupt gzip data", line=line, code="bad_gzip")


def decoded(source: Source, raw: CountingRaw, gzipped: bool) -> Any:
    """A buffered binary stream (with ``peek``) of the content, decompressed when gzipped."""
    buffered = io.BufferedReader(raw, buffer_size=READ_BUFFER)
    return gzip.GzipFile(fileobj=buffered, mode="rb") if gzipped else buffered


def is_gzip(source: Source, kind: FileKind | None, raw_head: bytes) -> bool:
    """Gzip when the content starts with gzip's magic, or when the name says so (then it must be)."""
    return raw_head.startswith(GZIP_MAGIC) or bool(kind is not None and kind.gzip)


def detect_source_kind(
    source: Source, declared: InputFormat | None = None, *, s3_client: Any = None
) -> FileKind:
    """Format (declared, else from the name, else from the content), gzip and the name's delimiter."""
    by_name = kind_from_name(source.uri)
    raw = open_binary(source, s3_client)
    try:
        buffered = io.BufferedReader(raw, buffer_size=SNIFF_BYTES)
        gzipped = is_gzip(source, by_name, buffered.peek(2)[:2])
        head = buffered.read(SNIFF_BYTES) or b""
    finally:
        raw.close()
    if gzipped:
        try:
            head = zlib.decompressobj(31).decompress(head, SNIFF_BYTES)
        except zlib.error:
            raise gzip_error(source, 1) from None
    fmt = declared or (by_name.format if by_name is not None else sniff_format(head))
    if fmt is None:
        raise RecordFileError(source.name, "file is empty", code="empty_file")
    return FileKind(fmt, gzipped, by_name.delimiter if by_name is not None else None)


def locate_undecodable(source: Source, gzipped: bool, encoding: str, s3_client: Any = None) -> int | None:
    """The first physical line that is not valid text in ``encoding`` (error path only: reads again).

    A text stream decodes whole chunks ahead of the parser, so the parser's position at a decoding error
    can be thousands of lines early; this scan counts lines the way the parsers do (CR, LF, CRLF).
    """
    try:
        raw = open_binary(source, s3_client)
    except RecordFileError:
        return None
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with raw:
        try:
            for data in decoded(source, raw, gzipped):
                for part in data.splitlines(keepends=True):
                    number += 1
                    decoder.decode(part)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(number, 1)
        except GZIP_ERRORS:
            return None
    return None
