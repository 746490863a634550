"""Event handling for the uploader and refresher Lambdas (the adapters in deploy/lambdas stay thin)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from amc_uploader.api.config import ApiSettings
from amc_uploader.api.deps import Backend, build_backend
from amc_uploader.job.layout import is_manifest_key

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def default_backend() -> Backend:
    """One backend per Lambda container, from the AMC_* environment."""
    return build_backend(ApiSettings())


def _objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    if "Records" in event:
        out: list[tuple[str, str]] = []
        for record in event["Records"]:
            s3 = record.get("s3") or {}
            bucket = (s3.get("bucket") or {}).get("name")
            key = (s3.get("object") or {}).get("key")
            if bucket and key:
                # S3 event keys are URL-encoded with '+' for spaces.
                out.append((str(bucket), unquote_plus(str(key))))
        return out
    if "bucket" in event and "key" in event:
        return [(str(event["bucket"]), str(event["key"]))]
    raise ValueError("unsupported event: expected S3 Records or {bucket, key}")


def handle_uploader_event(event: dict[str, Any], backend: Backend | None = None) -> dict[str, Any]:
    """Manifests in the artifact bucket get their AMC upload; new data-bucket objects run the trigger
    rules. Anything raised propagates (Lambda retries, then the DLQ)."""
    backend = backend or default_backend()
    settings = backend.settings
    uploads: dict[str, str] = {}
    started: list[str] = []
    ignored = 0
    for bucket, key in _objects(event):
        if bucket == settings.artifact_bucket and is_manifest_key(key):
            uploads[key] = backend.jobs.process_manifest(bucket, key)
        elif bucket == settings.data_bucket:
            started.extend(backend.jobs.on_new_object(bucket, key))
        else:
            ignored += 1
    logger.info(
        "uploader event handled",
        extra={"uploads": len(uploads), "jobs_started": len(started), "ignored": ignored},
    )
    return {"uploads": uploads, "jobsStarted": started, "ignored": ignored}


def handle_refresh(backend: Backend | None = None) -> dict[str, Any]:
    backend = backend or default_backend()
    changed = backend.jobs.refresh()
    logger.info("refresh done", extra={"changed": changed})
    return {"changed": changed}
