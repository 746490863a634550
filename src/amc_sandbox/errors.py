"""Errors the sandbox answers with, in AMC's and LWA's wire shapes."""

from __future__ import annotations

from collections.abc import Sequence


class SandboxApiError(Exception):
    """An AMC error answer: body `{"code", "details", "errors", "requestId"}` (spec A.6)."""

    def __init__(self, status: int, code: str, details: str, errors: Sequence[str] | None = None) -> None:
        super().__init__(details)
        self.status = status
        self.code = code
        self.details = details
        self.errors = list(errors) if errors else [details]


def bad_request(details: str, errors: Sequence[str] | None = None) -> SandboxApiError:
    return SandboxApiError(400, "BAD_REQUEST", details, errors)


def unauthorized(details: str) -> SandboxApiError:
    return SandboxApiError(401, "UNAUTHORIZED", details)


def forbidden(details: str) -> SandboxApiError:
    return SandboxApiError(403, "FORBIDDEN", details)


def not_found(details: str) -> SandboxApiError:
    return SandboxApiError(404, "NOT_FOUND", details)


def conflict(details: str) -> SandboxApiError:
    return SandboxApiError(409, "CONFLICT", details)


class LwaError(Exception):
    """A Login-with-Amazon token error: body `{"error", "error_description"}` (spec A.2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class UploadFailure(Exception):
    """Ends an upload as FAILED with this message (it names files, columns and rules, never values)."""
