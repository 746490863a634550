"""The staging port: a place staged files go. Implementations: `LocalTarget` (a directory, whose manifest
lists absolute ``file://`` URIs so a staged run can be inspected and re-read without S3) and `S3Target`
(a bucket with an optional key prefix; boto3, ``endpoint_url`` honoured, e.g. a moto server)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from amc_uploader.job.errors import StagingError

__all__ = ["StagingTarget", "TargetSpec", "open_target"]

_S3_URI_RE = re.compile(r"^s3://([^/]+)/?(.*)$")


class StagingTarget(ABC):
    """A place staged files go: an S3 bucket (with optional key prefix) or a local directory."""

    @property
    @abstractmethod
    def spec(self) -> TargetSpec:
        """A small picklable description to reopen this target elsewhere (e.g. on a Spark executor)."""

    @property
    @abstractmethod
    def bucket(self) -> str | None:
        """The S3 bucket, None for a local directory."""

    @abstractmethod
    def full_key(self, key: str) -> str:
        """The object key (S3) or relative path (local) including the target's base prefix."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """``s3://bucket/key`` or ``file:///abs/path``."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None: ...

    @abstractmethod
    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes | None:
        """The object's content, None when it does not exist."""

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Keys (relative to the target root) under ``prefix``, sorted."""

    @abstractmethod
    def delete_keys(self, keys: Sequence[str]) -> None: ...

    def exists(self, key: str) -> bool:
        return self.read_bytes(key) is not None


@dataclass(frozen=True)
class TargetSpec:
    """``s3://bucket[/prefix]``, ``file:///abs/dir`` or a local path, plus the S3 endpoint/region."""

    uri: str
    endpoint_url: str | None = None
    region: str | None = None

    def open(self, *, s3_client: Any = None) -> StagingTarget:
        return open_target(self.uri, endpoint_url=self.endpoint_url, region=self.region, s3_client=s3_client)


def open_target(
    uri: str | Path,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    s3_client: Any = None,
) -> StagingTarget:
    """Open an output location: ``s3://bucket/optional/prefix``, ``file:///dir`` or a plain path."""
    text = str(uri)
    match = _S3_URI_RE.match(text)
    if match:
        from amc_uploader.job.s3_target import S3Target

        bucket, prefix = match.group(1), match.group(2).strip("/")
        return S3Target(bucket, prefix=prefix, client=s3_client, endpoint_url=endpoint_url, region=region)
    if "://" in text and not text.startswith("file://"):
        raise StagingError(f"unsupported output location scheme in {text!r} (use s3:// or a local path)")
    from amc_uploader.job.local_target import LocalTarget

    path = Path(unquote(urlparse(text).path)) if text.startswith("file://") else Path(text)
    return LocalTarget(path)
