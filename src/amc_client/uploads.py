"""Which existing AMC upload stands for a data source: the one dedupe rule of every upload path.

The client's own create-upload retry, the upload job and the backend's uploader all ask AMC's upload
list before (or instead of) posting, so one staged manifest never becomes two uploads.
"""

from __future__ import annotations

from collections.abc import Iterable

from amc_client.models import FAILURE_STATUSES, Upload, UploadDataSource

__all__ = ["adopts_status", "manifest_source", "upload_for_source"]


def adopts_status(status: str | None) -> bool:
    """Whether an upload in ``status`` stands for its source, so no new upload is created.

    - FAILED: never adopted. AMC ingested nothing; the source is uploaded again.
    - PENDING, SUBMITTED, IN_PROGRESS: adopted. AMC is still ingesting the files; a second upload of the
      same manifest would ingest the same rows twice (ADDITIVE datasets keep both copies).
    - SUCCESS, COMPLETED: adopted. The data is in AMC already; uploading it again duplicates it.
    - Unknown or missing status: adopted, for the same reason as IN_PROGRESS (AMC may be ingesting).
    """
    return (status or "").upper() not in FAILURE_STATUSES


def manifest_source(bucket: str, manifest_key: str) -> UploadDataSource:
    return UploadDataSource(source_s3_bucket=bucket, source_manifest_s3_key=manifest_key)


def upload_for_source(uploads: Iterable[Upload], source: UploadDataSource) -> Upload | None:
    """The first upload of ``uploads`` with exactly this data source whose status `adopts_status`."""
    for upload in uploads:
        if source.same_source(upload.data_source) and adopts_status(upload.status):
            return upload
    return None
