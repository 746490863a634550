"""One error tree for everything that talks to Amazon Ads (spec A.6).

`AmcApiError` and its subclasses are answers from a server (status code set); `AmcTransportError` is a
request that got no answer. Messages carry the HTTP status, AMC's error code and details and the request
id, never a header value, token or secret: `redact()` scrubs anything that looks like an LwA token from
server-provided text before it reaches a message (a server may echo the request back).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

# LwA access/refresh tokens start with "Atza|" / "Atzr|" (spec A.2); bearer values can be anything.
_TOKEN_PATTERNS = (
    re.compile(r"Atz[a-z]\|[^\s\"',;&]+"),
    re.compile(r"(?i)\bbearer\s+[^\s\"',;&]+"),
    re.compile(
        r"(?i)(client_secret|refresh_token|access_token|code_verifier)([\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+"
    ),
)
# A server may quote a rejected value; e-mail addresses are the PII most likely to appear verbatim.
_EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_MAX_DETAILS = 500
REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove token-like substrings, e-mail addresses and every known secret value from `text`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _TOKEN_PATTERNS[0].sub(REDACTED, text)
    text = _TOKEN_PATTERNS[1].sub("Bearer " + REDACTED, text)
    text = _EMAIL_PATTERN.sub(REDACTED, text)
    return _TOKEN_PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def _restore(cls: type[AmcError], args: tuple[Any, ...], state: dict[str, Any]) -> AmcError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class AmcError(Exception):
    """Base of every error raised by `amc_client`. Picklable with all fields (subclasses take keyword
    arguments, which plain exception pickling would lose), e.g. across Spark or process pools."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class AmcConfigError(AmcError, ValueError):
    """Missing or invalid configuration (settings, credentials, headers an endpoint needs)."""


class AmcCredentialsError(AmcConfigError):
    """The credential store lacks what the call needs (e.g. no refresh token yet: consent required)."""


class DatasetDefinitionError(AmcError, ValueError):
    """A dataset/column definition breaks AMC's rules (spec C); raised before any request."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid dataset definition: " + "; ".join(self.problems))


class S3ContractError(AmcError, ValueError):
    """A manifest or bucket-policy request that breaks what AMC reads from S3 (spec D): an empty
    manifest, an account id that is not 12 digits."""


class BucketPolicyTooLargeError(S3ContractError):
    """The merged bucket policy would exceed S3's 20 KB limit (too many data-upload accounts)."""

    def __init__(self, message: str, *, bucket: str, size: int, accounts: int) -> None:
        self.bucket = bucket
        self.size = size
        self.accounts = accounts
        super().__init__(message)


class AmcTransportError(AmcError):
    """No HTTP answer: connection refused/reset, DNS, timeout. `sent` tells whether the request may have
    reached the server (False only when the connection was never established)."""

    def __init__(self, message: str, *, method: str, url: str, sent: bool) -> None:
        self.method = method
        self.url = url
        self.sent = sent
        super().__init__(f"{method} {url}: {message}")


class AmcUploadTimeoutError(AmcError, TimeoutError):
    """`wait_for_upload` gave up before the upload reached a terminal state."""

    def __init__(self, upload_id: str, status: str | None, waited: float) -> None:
        self.upload_id = upload_id
        self.status = status
        self.waited = waited
        super().__init__(f"upload {upload_id} still {status or 'unknown'} after {waited:.0f}s")


class AmcUploadFailedError(AmcError):
    """`wait_for_upload(..., raise_on_failure=True)` saw status FAILED (spec B.12)."""

    def __init__(self, upload: Any) -> None:
        self.upload = upload
        message = getattr(upload, "message", None)
        super().__init__(
            f"upload {getattr(upload, 'upload_id', '?')} FAILED" + (f": {message}" if message else "")
        )


class AmcApiError(AmcError):
    """An HTTP error answer from AMC or LwA."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        details: str | None = None,
        request_id: str | None = None,
        *,
        errors: list[str] | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.details = details
        self.request_id = request_id
        self.errors = list(errors or [])
        self.method = method
        self.path = path
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts)
        if self.details:
            text += f": {self.details}"
        extra = [e for e in self.errors if e and e != self.details]
        if extra:
            text += " [" + "; ".join(extra) + "]"
        if self.method and self.path:
            text += f" ({self.method} {self.path})"
        if self.request_id:
            text += f" request id {self.request_id}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"details={self.details!r}, request_id={self.request_id!r})"
        )


class AmcAuthError(AmcApiError):
    """401/403: bad or expired token, missing scope, terms not accepted, LwA grant errors."""


class AmcValidationError(AmcApiError):
    """400/422: the request was rejected as invalid."""


class AmcNotFoundError(AmcApiError):
    """404."""


class AmcConflictError(AmcApiError):
    """409: e.g. a dataset id already exists."""


class AmcThrottledError(AmcApiError):
    """429; `retry_after` in seconds when the server sent Retry-After."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class AmcServerError(AmcApiError):
    """5xx."""


class AmcInvalidResponseError(AmcApiError):
    """A success status (2xx) whose body cannot be read: empty where the call needs one, not JSON, or
    not the shape the endpoint answers. The request may well have been processed."""


def invalid_response(
    response: httpx.Response, reason: str, *, method: str | None = None, path: str | None = None
) -> AmcInvalidResponseError:
    """Describe an unreadable success body by its content type and size, never by its text."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    size = len(response.content)
    what = f"{reason} ({content_type or 'no content type'}, {size} bytes)" if size else reason
    request_id = _header_request_id(response)
    return AmcInvalidResponseError(
        response.status_code,
        "InvalidResponse",
        what,
        _clip(request_id, ())[:100] if request_id else None,
        method=method,
        path=path,
    )


def _error_class(status: int) -> type[AmcApiError]:
    if status in (401, 403):
        return AmcAuthError
    if status in (400, 422):
        return AmcValidationError
    if status == 404:
        return AmcNotFoundError
    if status == 409:
        return AmcConflictError
    if status == 429:
        return AmcThrottledError
    if status >= 500:
        return AmcServerError
    return AmcApiError


def _header_request_id(response: httpx.Response) -> str | None:
    headers = response.headers
    value: str | None = (
        headers.get("x-amzn-requestid") or headers.get("x-amz-request-id") or headers.get("x-amzn-request-id")
    )
    return value


def _clip(text: str, secrets: Iterable[str]) -> str:
    text = redact(" ".join(text.split()), secrets)
    return text if len(text) <= _MAX_DETAILS else text[: _MAX_DETAILS - 3] + "..."


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3); None when absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(
    response: httpx.Response, *, secrets: Iterable[str] = (), path: str | None = None
) -> AmcApiError:
    """Map an error response to the error tree. Safe on empty, HTML and malformed JSON bodies (#274/#275).

    JSON bodies: AMC `{"code", "details", "errors", "requestId"}` or `{"message"}`, LwA `{"error",
    "error_description"}`. Other bodies are described by content type and size; short plain-text bodies
    are quoted (redacted and clipped), HTML never is.
    """
    secrets = tuple(secrets)
    status = response.status_code
    code: str | None = None
    details: str | None = None
    errors: list[str] = []
    request_id = _header_request_id(response)
    raw = response.content
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
    if isinstance(body, Mapping):
        code = _as_text(body.get("code") or body.get("error") or body.get("errorCode"))
        details = _as_text(
            body.get("details")
            or body.get("error_description")
            or body.get("message")
            or body.get("Message")
            or body.get("detail")
        )
        raw_errors = body.get("errors")
        if isinstance(raw_errors, list):
            errors = [_clip(_as_text(e) or "", secrets) for e in raw_errors[:10]]
        rid = body.get("requestId") or body.get("request_id")
        if isinstance(rid, str) and not request_id:
            request_id = rid
    elif not raw:
        details = "empty response body"
    elif body is not None:
        details = f"unexpected JSON response body ({type(body).__name__})"
    elif content_type.startswith("text/plain") and len(raw) <= 300:
        details = raw.decode("utf-8", errors="replace").strip() or "empty response body"
    else:
        details = f"non-JSON response body ({content_type or 'no content type'}, {len(raw)} bytes)"
    if details is not None:
        details = _clip(details, secrets)
    if code is not None:
        code = _clip(code, secrets)[:100]
    if request_id is not None:
        request_id = _clip(request_id, secrets)[:100]
    method = response.request.method if _has_request(response) else None
    cls = _error_class(status)
    kwargs: dict[str, Any] = {"errors": errors, "method": method, "path": path}
    if cls is AmcThrottledError:
        kwargs["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
    return cls(status, code, details, request_id, **kwargs)


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when the response has no request
    except RuntimeError:
        return False
    return True
