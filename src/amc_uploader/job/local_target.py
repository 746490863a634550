"""A local directory as staging target (stage-only runs, tests, inspection without S3)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from amc_uploader.job.errors import StagingError
from amc_uploader.job.target import StagingTarget, TargetSpec

__all__ = ["LocalTarget"]


class LocalTarget(StagingTarget):
    """A local directory. Object tags have no local equivalent and are not stored."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    @property
    def spec(self) -> TargetSpec:
        return TargetSpec(uri=str(self.root))

    @property
    def bucket(self) -> str | None:
        return None

    def full_key(self, key: str) -> str:
        return key

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StagingError(f"key {key!r} escapes the output directory")
        return path

    def uri(self, key: str) -> str:
        return "file://" + quote(str(self._path(key)))

    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)

    def read_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def list_keys(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def delete_keys(self, keys: Sequence[str]) -> None:
        dirs: set[Path] = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            dirs.add(path.parent)
        # Remove directories this run emptied, deepest first, never the root itself.
        for directory in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            current = directory
            while current != self.root and self.root in current.parents:
                try:
                    current.rmdir()
                except OSError:
                    break
                current = current.parent
