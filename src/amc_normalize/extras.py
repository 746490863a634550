"""Optional parts of the `amc-uploader` distribution: which extra brings which import, and one error for it.

The base install is the normalization library, the AMC client and the CLI. Everything heavier is an extra
(`pyproject.toml`); code that needs one imports it through `require` (or inside `needs_extra`), so a
missing extra is one line naming the install command, never a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

#: Top-level module -> the extra that installs it.
EXTRA_OF_MODULE: dict[str, str] = {
    "pyspark": "spark",
    "py4j": "spark",
    "pandas": "pandas",
    "pyarrow": "parquet",
    "boto3": "aws",
    "botocore": "aws",
    "s3transfer": "aws",
    "fastapi": "api",
    "starlette": "api",
    "uvicorn": "api",
    "mangum": "api",
    "jwt": "api",
    "moto": "api",
}


class MissingExtraError(ImportError):
    """A feature was used whose optional dependencies are not installed; the message says what to install."""

    def __init__(self, extra: str, feature: str | None = None) -> None:
        what = feature or "this"
        super().__init__(f"{what} needs the '{extra}' extra: pip install 'amc-uploader[{extra}]'")
        self.extra = extra


def extra_for(exc: ImportError) -> str | None:
    """The extra that would have provided the module `exc` failed to import, if it is one of ours."""
    if isinstance(exc, MissingExtraError):
        return exc.extra
    name = (exc.name or "").partition(".")[0]
    return EXTRA_OF_MODULE.get(name)


@contextmanager
def needs_extra(extra: str, feature: str | None = None) -> Iterator[None]:
    """Turn an import failure of an optional dependency inside the block into `MissingExtraError(extra)`."""
    try:
        yield
    except ImportError as exc:
        if isinstance(exc, MissingExtraError) or extra_for(exc) is None:
            raise
        raise MissingExtraError(extra, feature) from exc


def require(module: str, feature: str | None = None) -> ModuleType:
    """`importlib.import_module(module)`, or `MissingExtraError` naming the extra that installs it."""
    extra = EXTRA_OF_MODULE.get(module.partition(".")[0])
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if extra is None:
            raise
        raise MissingExtraError(extra, feature) from exc
