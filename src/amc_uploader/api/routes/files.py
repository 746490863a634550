"""Source files in the data bucket: list, upload a small file, preview."""

from __future__ import annotations

import base64
import logging
import mimetypes
import shlex
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from amc_client.models import DataType
from amc_normalize import PiiType
from amc_uploader.api.deps import Backend, BackendDep, UserDep
from amc_uploader.api.domain_errors import InvalidRequest
from amc_uploader.api.errors import BadRequestError, UnprocessableError
from amc_uploader.api.models import (
    ColumnPreview,
    FileList,
    FilePreview,
    PreviewRequest,
    S3Object,
    UploadedFile,
)
from amc_uploader.api.preview import FileHead, read_head
from amc_uploader.io import InputFormat, infer_type

router = APIRouter(prefix="/files", tags=["files"])
logger = logging.getLogger(__name__)


@router.get("", response_model=FileList, operation_id="listFiles")
def list_files(  # noqa: PLR0917
    backend: BackendDep,
    user: UserDep,
    prefix: Annotated[str, Query(max_length=1024)] = "",
    delimiter: Annotated[bool, Query(description="Group keys below the next '/' into prefixes.")] = False,
    token: Annotated[str | None, Query(max_length=2048, description="nextToken of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> FileList:
    bucket = backend.settings.data_bucket
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": limit}
    if delimiter:
        kwargs["Delimiter"] = "/"
    if token:
        # Our own opaque token (the last key of the previous page, for StartAfter): a malformed token
        # is the caller's error, never a storage error.
        kwargs["StartAfter"] = _decode_token(token)
    out = backend.aws.s3.list_objects_v2(**kwargs)
    items = [
        S3Object(key=o["Key"], size=int(o.get("Size", 0)), last_modified=o["LastModified"])
        for o in out.get("Contents", [])
        if not o["Key"].endswith("/")
    ]
    prefixes = [p["Prefix"] for p in out.get("CommonPrefixes", [])]
    next_token = None
    if out.get("IsTruncated"):
        last = max([*(o["Key"] for o in out.get("Contents", [])), *prefixes], default=None)
        next_token = _encode_token(last) if last else None
    return FileList(
        bucket=bucket,
        prefix=prefix,
        items=items,
        prefixes=prefixes,
        next_token=next_token,
        max_upload_bytes=backend.settings.max_upload_bytes,
        artifact_bucket=backend.settings.artifact_bucket,
    )


def _encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode_token(token: str) -> str:
    try:
        key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadRequestError("Invalid page token.", code="invalid_token") from None
    if not key:
        raise BadRequestError("Invalid page token.", code="invalid_token")
    return key


def _check_key(key: str) -> None:
    parts = key.split("/")
    if (
        not key
        or len(key) > 1024
        or key.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or any(ord(c) < 32 for c in key)
    ):
        raise BadRequestError("Invalid object key.", code="invalid_key")


def _too_large(limit: int, *, bucket: str, key: str) -> UnprocessableError:
    """The refusal of an upload past the limit, with the one command that stages such a file instead."""
    size = f"{limit / 1_048_576:g} MB" if limit >= 1_048_576 else f"{limit / 1024:g} KB"
    return UnprocessableError(
        f"Files above {size} cannot be uploaded here: copy them to the data bucket with "
        f"`aws s3 cp FILE {shlex.quote(f's3://{bucket}/{key}')}`.",
        code="too_large",
    )


@router.put(
    "/content",
    response_model=UploadedFile,
    status_code=201,
    operation_id="uploadFile",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_file(
    request: Request,
    backend: BackendDep,
    user: UserDep,
    key: Annotated[str, Query(min_length=1, max_length=1024, description="Object key in the data bucket")],
) -> UploadedFile:
    """Upload a small file (the raw request body) into the data bucket."""
    _check_key(key)
    limit = backend.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, bucket=backend.settings.data_bucket, key=key)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _too_large(limit, bucket=backend.settings.data_bucket, key=key)
        chunks.append(chunk)
    if total == 0:
        raise UnprocessableError("The file is empty.", code="empty_file")
    bucket = backend.settings.data_bucket
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    backend.aws.s3.put_object(Bucket=bucket, Key=key, Body=b"".join(chunks), ContentType=content_type)
    logger.info("file uploaded", extra={"bytes": total, "user": user.subject})
    if backend.settings.local_mode:
        # No S3 event notifications on the local stack: run the trigger path here.
        backend.jobs.on_new_object(bucket, key)
    return UploadedFile(bucket=bucket, key=key, size=total)


def read_heads(backend: Backend, keys: list[str], file_format: InputFormat | None) -> list[FileHead]:
    heads = [
        read_head(backend.aws.s3, backend.settings.data_bucket, k, file_format, backend.settings.preview_rows)
        for k in keys
    ]
    first = heads[0]
    for other in heads[1:]:
        if other.file_format is not first.file_format or set(other.columns) != set(first.columns):
            raise InvalidRequest(
                f"Every file must have the same format and columns: {other.key} differs from {first.key}.",
                code="schema_mismatch",
            )
    return heads


@router.post("/preview", response_model=FilePreview, operation_id="previewFiles")
def preview(body: PreviewRequest, backend: BackendDep, user: UserDep) -> FilePreview:
    """Columns with inferred types, fill rates and suggested PII types, consent columns (by header) and the
    per-row country column; clear-text samples only on request and when the administrator allows them."""
    from amc_normalize import suggest_pii_types
    from amc_normalize.country import eea_uk_countries, resolve_country
    from amc_normalize.row_country import suggest_pii_types_by_country
    from amc_normalize.suggest import country_column_candidates
    from amc_uploader.job.consent import suggest_consent_columns

    heads = read_heads(backend, body.keys, body.file_format)
    columns = heads[0].columns
    rows = [r for h in heads for r in h.rows]
    values = {c: [v for r in rows if (v := r.get(c)) is not None and v.strip() != ""] for c in columns}
    warnings: list[str] = []
    allowed = backend.settings_repo.preferences().allow_sample_values
    with_samples = body.include_samples and allowed
    if body.include_samples and not allowed:
        warnings.append("Sample values are disabled by the administrator.")
    default = str(body.country_code) if body.country_code else None
    countries = country_column_candidates(columns, {c: values[c][:200] for c in columns})
    if body.country_column is not None and body.country_column not in columns:
        raise InvalidRequest(
            f"Country column {body.country_column} is not in the file.", code="column_not_found"
        )
    per_row = body.country_column or next(iter(countries), None)
    if per_row is None:
        suggestions = suggest_pii_types(columns, {c: values[c][:200] for c in columns}, default)
    else:
        # One cell per row (blanks too), so each value lines up with its row's country.
        aligned = {c: [r.get(c) for r in rows[:200]] for c in columns}
        suggestions = suggest_pii_types_by_country(columns, aligned, per_row, default)
    # Each PII type is suggested for one column only: the most confident one.
    best: dict[str, tuple[float, str]] = {}
    for c, candidate in suggestions.items():
        if candidate.pii_type is None:
            continue
        if candidate.confidence > best.get(str(candidate.pii_type), (-1.0, ""))[0]:
            best[str(candidate.pii_type)] = (float(candidate.confidence), c)
    consent = suggest_consent_columns(columns)
    candidates = {*countries, *([per_row] if per_row else [])}
    eea_uk = eea_uk_countries()
    out: list[ColumnPreview] = []
    for c in columns:
        # Blank cells take the default country, as in the job.
        eea_rows = (
            sum(1 for r in rows if resolve_country(r.get(c), default).code in eea_uk)
            if c in candidates
            else None
        )
        sug = suggestions.get(c)
        pii = PiiType(str(sug.pii_type)) if sug is not None and sug.pii_type is not None else None
        reason = sug.reason if sug is not None else ""
        if pii is not None and best[pii.value][1] != c:
            reason = f"{pii.value} is more likely column {best[pii.value][1]}"
            pii = None
        out.append(
            ColumnPreview(
                name=c,
                inferred_type=infer_type(values[c]) if pii is None else DataType.STRING,
                suggested_pii_type=pii,
                confidence=round(float(sug.confidence), 3) if sug is not None and pii is not None else 0.0,
                reason=reason,
                fill_rate=round(len(values[c]) / len(rows), 4) if rows else 0.0,
                non_null=len(values[c]),
                samples=values[c][: body.sample_size] if with_samples else None,
                suggested_consent_type=consent.get(c),
                country_candidate=c in candidates,
                eea_uk_rows=eea_rows,
            )
        )
    if any(c.suggested_pii_type for c in out) and body.country_code is None and per_row is None:
        warnings.append("PII columns found but no country chosen: values cannot be normalized for matching.")
    return FilePreview(
        bucket=backend.settings.data_bucket,
        keys=[h.key for h in heads],
        file_format=heads[0].file_format,
        rows_scanned=len(rows),
        columns=out,
        samples_included=with_samples,
        warnings=warnings,
        suggested_country_column=per_row,
        eea_uk_countries=sorted(eea_uk),
    )
