"""Domain errors of the backend and the one place that maps every error to an HTTP answer.

Bodies are always `{"error": code, "message": text}`; messages are written by us (or are AMC's error
code/details, which carry no PII or token), never echo request values.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from amc_uploader.api.domain_errors import (
    BucketPolicyRejectedError,
    DomainError,
    JobRecordMissingError,
    NotAStagedManifestError,
    UploadInProgressError,
)
from amc_uploader.api.logs import correlation_id

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """Base of the errors a route may raise; `status` and `code` decide the HTTP answer."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.headers = headers or {}


class BadRequestError(ApiError):
    status = 400
    code = "bad_request"


class UnauthorizedError(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "A valid bearer token is required.", *, code: str | None = None):
        super().__init__(message, code=code, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ApiError):
    status = 403
    code = "forbidden"


class NotFoundError(ApiError):
    status = 404
    code = "not_found"


class ConflictError(ApiError):
    status = 409
    code = "conflict"


class UnprocessableError(ApiError):
    status = 422
    code = "invalid"


class ThrottledError(ApiError):
    status = 429
    code = "throttled"


class UpstreamError(ApiError):
    status = 502
    code = "upstream_error"


class NotConfiguredError(ApiError):
    """LWA credentials or the Amazon Ads connection are missing."""

    status = 400
    code = "not_configured"


def _amc_error_to_api(exc: Exception) -> ApiError | None:
    """Translate `amc_client` errors. Their messages carry AMC's code/details and ids, never tokens."""
    import amc_client as ac

    if not isinstance(exc, ac.AmcError):
        return None
    if isinstance(exc, ac.AmcApiError):
        text = " ".join(str(x) for x in (exc.code, exc.details) if x)[:500] or f"HTTP {exc.status}"
        if isinstance(exc, ac.AmcThrottledError):
            headers = {"Retry-After": str(max(1, int(exc.retry_after)))} if exc.retry_after else None
            return ThrottledError(
                f"AMC is throttling requests: {text}", code="amc_throttled", headers=headers
            )
        if isinstance(exc, ac.AmcNotFoundError):
            return NotFoundError(f"AMC: {text}", code="amc_not_found")
        if isinstance(exc, ac.AmcValidationError):
            return UnprocessableError(f"AMC rejected the request: {text}", code="amc_validation")
        if isinstance(exc, ac.AmcConflictError):
            return ConflictError(f"AMC: {text}", code="amc_conflict")
        if isinstance(exc, ac.AmcAuthError):
            # Never 401 (the browser would think its own session expired). A refused grant or token is
            # a settings problem (reconnect); a 403 names an advertiser/instance this login cannot use.
            if exc.status == 403:
                return ForbiddenError(f"AMC denied access: {text}", code="amc_forbidden")
            return BadRequestError(
                f"AMC refused the Amazon Ads authorization; reconnect in Settings: {text}",
                code="amc_unauthorized",
            )
        return UpstreamError(f"AMC error: {text}", code="amc_error")
    if isinstance(exc, ac.BucketPolicyTooLargeError):
        return UnprocessableError(str(exc)[:500], code="bucket_policy_too_large")
    if isinstance(exc, ac.S3ContractError):
        return UnprocessableError(str(exc)[:300], code="bucket_policy_invalid")
    if isinstance(exc, ac.DatasetDefinitionError):
        return UnprocessableError(str(exc)[:1000], code="invalid_dataset")
    if isinstance(exc, ac.AmcCredentialsError):
        return NotConfiguredError(
            "Amazon Ads is not connected: save the LWA credentials and connect in Settings.",
            code="not_connected",
        )
    if isinstance(exc, ac.AmcConfigError):
        return NotConfiguredError(str(exc)[:300], code="not_configured")
    if isinstance(exc, ac.AmcTransportError):
        return UpstreamError("AMC could not be reached.", code="amc_unreachable")
    return UpstreamError(f"AMC client error: {type(exc).__name__}", code="amc_error")


# Each domain error's answer: (error class, code). Messages are the domain's own.
_DOMAIN_ERRORS: tuple[tuple[type[DomainError], type[ApiError], str], ...] = (
    (UploadInProgressError, ConflictError, "upload_in_progress"),
    (NotAStagedManifestError, NotFoundError, "not_a_manifest"),
    (JobRecordMissingError, NotFoundError, "job_record_missing"),
    (BucketPolicyRejectedError, UnprocessableError, "bucket_policy_rejected"),
)


def _domain_error_to_api(exc: Exception) -> ApiError | None:
    for domain, api, code in _DOMAIN_ERRORS:
        if isinstance(exc, domain):
            return api(str(exc)[:500], code=code)
    return None


def to_api_error(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    domain = _domain_error_to_api(exc)
    if domain is not None:
        return domain
    amc = _amc_error_to_api(exc)
    if amc is not None:
        return amc
    from amc_normalize import NormalizationConfigError
    from amc_uploader.job import JobError

    if isinstance(exc, NormalizationConfigError):
        return UnprocessableError(str(exc)[:500], code="invalid_configuration")
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) or 500)
        code = str(err.get("Code", "ClientError"))
        if code in ("NoSuchKey", "404", "NotFound", "NoSuchBucket"):
            return NotFoundError("The object or bucket does not exist.", code="storage_not_found")
        if 400 <= status < 500:
            return BadRequestError(
                f"The storage service refused the request ({code}).", code="storage_rejected"
            )
        return UpstreamError(f"The storage service failed ({code}).", code="storage_error")
    if isinstance(exc, JobError):
        # The job's errors name file, line, column and reason, never a value.
        return UnprocessableError(str(exc)[:1000], code="job_failed")
    return None


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


def _validation_message(exc: RequestValidationError) -> str:
    parts: list[str] = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        # Only our message and location: pydantic's "input" may hold a PII value or a secret.
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "Invalid request."


def install_error_handlers(app: FastAPI) -> None:
    async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
        api = to_api_error(exc)
        if api is None:
            return await handle_unexpected(request, exc)
        if api.status >= 500:
            logger.warning("upstream error", extra={"error_code": api.code, "status": api.status})
        return JSONResponse(error_body(api.code, api.message), status_code=api.status, headers=api.headers)

    async def handle_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(error_body("validation_error", _validation_message(exc)), status_code=422)

    async def handle_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=dict(exc.headers or {})
        )

    async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
        cid = correlation_id.get() or uuid.uuid4().hex
        # The traceback names code locations; the exception text is not logged (it may quote a value).
        logger.error(
            "unhandled error",
            extra={"correlation_id": cid, "error_type": type(exc).__name__},
            exc_info=(type(exc), exc, None),
        )
        return JSONResponse(
            error_body("internal_error", f"Internal error (correlation id {cid})."),
            status_code=500,
            headers={"X-Correlation-Id": cid},
        )

    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(DomainError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)

    @app.middleware("http")
    async def map_other_errors(request: Request, call_next: Any) -> Any:
        # Errors of other layers (amc_client, normalization) and unexpected ones: mapped here, never re-raised
        # to the server (whose traceback would quote the exception text).
        try:
            return await call_next(request)
        except Exception as exc:
            return await handle_api_error(request, exc)


def describe(exc: BaseException) -> dict[str, Any]:
    """A log/record-safe description of an error: type and, for our own errors, their message."""
    api = to_api_error(exc) if isinstance(exc, Exception) else None
    if api is not None:
        return {"error": api.code, "message": api.message}
    return {"error": type(exc).__name__, "message": "Unexpected error; see the logs for the correlation id."}
