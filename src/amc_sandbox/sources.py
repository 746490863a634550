"""An upload's data source (spec B.9) as the files to ingest: manifest, single file or prefix.

On S3 through `S3Access` (which checks what AMC's data-upload account needs) or on the local disk
(`file://` URIs: the job can stage to a directory, and the sandbox then reads it without any S3 check).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlparse

from amc_sandbox.access import S3Access
from amc_sandbox.errors import UploadFailure


@dataclass(frozen=True)
class SourceFile:
    """One data file: on S3 (bucket + key) or on the local disk (path)."""

    uri: str
    bucket: str | None = None
    key: str | None = None
    path: Path | None = None


def hidden(name: str) -> bool:
    """B.14: AMC skips (and refuses) file names starting with '.' or '_'."""
    return name.startswith((".", "_"))


class Sources:
    """Resolves and opens the files of one instance's uploads."""

    def __init__(self, access: S3Access, instance_id: str, account: str) -> None:
        self.access = access
        self.instance_id = instance_id
        self.account = account

    def resolve(self, source: dict[str, Any]) -> list[SourceFile]:
        bucket = str(source["sourceS3Bucket"])
        if "sourceManifestS3Key" in source:
            return self._manifest(self._locate(bucket, str(source["sourceManifestS3Key"])))
        if "sourceFileS3Key" in source:
            return [self._locate(bucket, str(source["sourceFileS3Key"]))]
        return self._prefix(bucket, str(source["sourceS3Prefix"]))

    def open(self, source: SourceFile) -> IO[bytes]:
        if source.path is not None:
            try:
                return source.path.open("rb")
            except OSError as exc:
                raise UploadFailure(f"No such file or directory '{source.uri}'") from exc
        assert source.bucket is not None and source.key is not None
        return self.access.open_object(source.bucket, source.key, source.uri, self.instance_id, self.account)

    def _manifest(self, manifest: SourceFile) -> list[SourceFile]:
        with self.open(manifest) as raw:
            try:
                text = raw.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise UploadFailure(f"Manifest '{manifest.uri}' is not UTF-8 text") from exc
        files = []
        for number, line in enumerate(text.splitlines(), start=1):
            entry = line.strip()
            if entry:
                files.append(_manifest_entry(entry, number, manifest))
        if not files:
            raise UploadFailure(f"Manifest '{manifest.uri}' lists no files")
        return files

    def _prefix(self, bucket: str, prefix: str) -> list[SourceFile]:
        local = _local_path(bucket, prefix)
        if local is not None:
            if not local.is_dir():
                raise UploadFailure(f"No such file or directory '{local.as_uri()}'")
            paths = sorted(p for p in local.rglob("*") if p.is_file())
            found = [SourceFile(p.as_uri(), path=p) for p in paths if not hidden(p.name)]
            if not found:
                raise UploadFailure(f"No files found under '{local.as_uri()}'")
            return found
        found = [
            SourceFile(f"s3://{bucket}/{key}", bucket=bucket, key=key)
            for key in self.access.list_keys(bucket, prefix, self.instance_id, self.account)
            if not key.endswith("/") and not hidden(key.rsplit("/", 1)[-1])
        ]
        if not found:
            raise UploadFailure(f"No files found under prefix 's3://{bucket}/{prefix}'")
        return found

    @staticmethod
    def _locate(bucket: str, key: str) -> SourceFile:
        local = _local_path(bucket, key)
        if local is not None:
            return SourceFile(local.as_uri(), path=local)
        return SourceFile(f"s3://{bucket}/{key}", bucket=bucket, key=key)


def _local_path(bucket: str, key: str) -> Path | None:
    """A local path when asked for: a `file://` key, or a `file://` bucket with a relative key."""
    if key.startswith("file://"):
        return Path(unquote(urlparse(key).path))
    if bucket.startswith("file://"):
        return Path(unquote(urlparse(bucket).path)) / key.lstrip("/")
    return None


def _manifest_entry(entry: str, number: int, manifest: SourceFile) -> SourceFile:
    parsed = urlparse(entry)
    if parsed.scheme == "s3" and parsed.netloc and parsed.path.strip("/"):
        return SourceFile(entry, bucket=parsed.netloc, key=parsed.path.lstrip("/"))
    if parsed.scheme == "file" and parsed.path.startswith("/"):
        return SourceFile(entry, path=Path(unquote(parsed.path)))
    raise UploadFailure(
        f"Manifest '{manifest.uri}' line {number}: expected an s3://bucket/key (or file:///path) URI"
    )
