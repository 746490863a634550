"""The one place that maps every error to an HTTP answer: domain errors (`api.domain_errors`) through
`DOMAIN_STATUS`, the other layers' errors (AMC client, storage, normalization, job) below it.

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
    AlreadyExists,
    BucketPolicyRejectedError,
    ConcurrentChange,
    Conflict,
    DomainError,
    ErasureNotFound,
    InstanceNotFound,
    InvalidRequest,
    JobInstanceNotFound,
    JobNotFound,
    JobRecordMissingError,
    NotAStagedManifestError,
    NotConfigured,
    NotFound,
    SourceFileNotFound,
    TriggerNotFound,
    UploadInProgressError,
)
from amc_uploader.api.logs import correlation_id

logger = logging.getLogger(__name__)

# The HTTP status of every domain error class (tests check that none is missing). A class not listed
# answers with its nearest listed base's status.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    SourceFileNotFound: 404,
    InstanceNotFound: 404,
    JobNotFound: 404,
    JobInstanceNotFound: 404,
    TriggerNotFound: 404,
    ErasureNotFound: 404,
    NotAStagedManifestError: 404,
    JobRecordMissingError: 404,
    Conflict: 409,
    AlreadyExists: 409,
    ConcurrentChange: 409,
    UploadInProgressError: 409,
    InvalidRequest: 422,
    BucketPolicyRejectedError: 422,
    NotConfigured: 400,
}


def domain_status(error: type[DomainError]) -> int | None:
    return next((DOMAIN_STATUS[c] for c in error.__mro__ if c in DOMAIN_STATUS), None)


class ApiError(Exception):
    """An HTTP answer: `status`, `code`, our message and headers. Raised by routes for HTTP concerns
    (authentication, bad parameters, the request body); every other error is mapped to one here."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
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


class UnprocessableError(ApiError):
    status = 422
    code = "invalid"


def _amc_error_to_api(exc: Exception) -> ApiError | None:
    """Translate `amc_client` errors. Their messages carry AMC's code/details and ids, never tokens."""
    import amc_client as ac

    if not isinstance(exc, ac.AmcError):
        return None
    if isinstance(exc, ac.AmcApiError):
        text = " ".join(str(x) for x in (exc.code, exc.details) if x)[:500] or f"HTTP {exc.status}"
        if isinstance(exc, ac.AmcThrottledError):
            headers = {"Retry-After": str(max(1, int(exc.retry_after)))} if exc.retry_after else None
            return ApiError(
                f"AMC is throttling requests: {text}", status=429, code="amc_throttled", headers=headers
            )
        if isinstance(exc, ac.AmcNotFoundError):
            return ApiError(f"AMC: {text}", status=404, code="amc_not_found")
        if isinstance(exc, ac.AmcValidationError):
            return ApiError(f"AMC rejected the request: {text}", status=422, code="amc_validation")
        if isinstance(exc, ac.AmcConflictError):
            return ApiError(f"AMC: {text}", status=409, code="amc_conflict")
        if isinstance(exc, ac.AmcAuthError):
            # Never 401 (the browser would think its own session expired). A refused grant or token is
            # a settings problem (reconnect); a 403 names an advertiser/instance this login cannot use.
            if exc.status == 403:
                return ApiError(f"AMC denied access: {text}", status=403, code="amc_forbidden")
            return ApiError(
                f"AMC refused the Amazon Ads authorization; reconnect in Settings: {text}",
                status=400,
                code="amc_unauthorized",
            )
        return ApiError(f"AMC error: {text}", status=502, code="amc_error")
    if isinstance(exc, ac.BucketPolicyTooLargeError):
        return ApiError(str(exc)[:500], status=422, code="bucket_policy_too_large")
    if isinstance(exc, ac.S3ContractError):
        return ApiError(str(exc)[:300], status=422, code="bucket_policy_invalid")
    if isinstance(exc, ac.DatasetDefinitionError):
        return ApiError(str(exc)[:1000], status=422, code="invalid_dataset")
    if isinstance(exc, ac.AmcCredentialsError):
        return ApiError(
            "Amazon Ads is not connected: save the LWA credentials and connect in Settings.",
            status=400,
            code="not_connected",
        )
    if isinstance(exc, ac.AmcConfigError):
        return ApiError(str(exc)[:300], status=400, code="not_configured")
    if isinstance(exc, ac.AmcTransportError):
        return ApiError("AMC could not be reached.", status=502, code="amc_unreachable")
    return ApiError(f"AMC client error: {type(exc).__name__}", status=502, code="amc_error")


def _storage_error_to_api(exc: Exception) -> ApiError | None:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return None
    err = exc.response.get("Error", {})
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) or 500)
    code = str(err.get("Code", "ClientError"))
    if code in ("NoSuchKey", "404", "NotFound", "NoSuchBucket"):
        return ApiError("The object or bucket does not exist.", status=404, code="storage_not_found")
    if 400 <= status < 500:
        return ApiError(
            f"The storage service refused the request ({code}).", status=400, code="storage_rejected"
        )
    return ApiError(f"The storage service failed ({code}).", status=502, code="storage_error")


def to_api_error(exc: Exception) -> ApiError | None:
    """The HTTP answer for an error this backend knows; None for an unexpected one (a 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, DomainError):
        status = domain_status(type(exc))
        return None if status is None else ApiError(exc.message, status=status, code=exc.code)
    amc = _amc_error_to_api(exc)
    if amc is not None:
        return amc
    from amc_normalize import NormalizationConfigError
    from amc_uploader.job import JobError

    if isinstance(exc, NormalizationConfigError):
        return ApiError(str(exc)[:500], status=422, code="invalid_configuration")
    storage = _storage_error_to_api(exc)
    if storage is not None:
        return storage
    if isinstance(exc, JobError):
        # The job's errors name file, line, column and reason, never a value.
        return ApiError(str(exc)[:1000], status=422, code="job_failed")
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
