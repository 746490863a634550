"""Error mapping (spec A.6): every status to its class, safe on any body, no token in any message."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amc_client import (
    AmcApiError,
    AmcAuthError,
    AmcConflictError,
    AmcNotFoundError,
    AmcServerError,
    AmcThrottledError,
    AmcValidationError,
)
from amc_client.errors import error_from_response, parse_retry_after, redact


def _response(
    status: int, content: bytes = b"", content_type: str | None = None, **headers: str
) -> httpx.Response:
    hdrs = dict(headers)
    if content_type:
        hdrs["content-type"] = content_type
    return httpx.Response(status, content=content, headers=hdrs, request=httpx.Request("GET", "http://x/p"))


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, AmcValidationError),
        (401, AmcAuthError),
        (403, AmcAuthError),
        (404, AmcNotFoundError),
        (406, AmcApiError),
        (409, AmcConflictError),
        (415, AmcApiError),
        (422, AmcValidationError),
        (429, AmcThrottledError),
        (500, AmcServerError),
        (502, AmcServerError),
        (504, AmcServerError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[AmcApiError]) -> None:
    err = error_from_response(_response(status, b'{"code": "X", "details": "d"}', "application/json"))
    assert type(err) is cls
    assert err.status == status
    assert str(err).startswith(f"HTTP {status} X: d")


@pytest.mark.parametrize(
    ("content", "content_type", "expected_details"),
    [
        (b"", None, "empty response body"),
        (b"", "application/json", "empty response body"),
        (
            b"<html><body>Gateway Timeout for jane@example.com</body></html>",
            "text/html",
            "non-JSON response body (text/html, 62 bytes)",
        ),
        (b"{not json", "application/json", "non-JSON response body (application/json, 9 bytes)"),
        (
            b"\xff\xfe\x00garbage",
            "application/octet-stream",
            "non-JSON response body (application/octet-stream, 10 bytes)",
        ),
        (b"upstream request timeout", "text/plain", "upstream request timeout"),
        (b"[1, 2]", "application/json", "unexpected JSON response body (list)"),
        (b'"just a string"', "application/json", "unexpected JSON response body (str)"),
    ],
)
def test_odd_bodies_never_raise(
    content: bytes, content_type: str | None, expected_details: str | None
) -> None:
    err = error_from_response(_response(504, content, content_type))
    assert isinstance(err, AmcServerError)
    assert err.details == expected_details
    # HTML is never quoted (it may carry anything, here an e-mail address).
    assert "jane@example.com" not in str(err)


def test_amc_error_body_fields() -> None:
    body = (
        b'{"code": "ValidationException", "details": "bad column", '
        b'"errors": ["a", "b"], "requestId": "rid-1"}'
    )
    err = error_from_response(_response(400, body, "application/json"), path="/amc/x")
    assert (err.code, err.details, err.errors, err.request_id) == (
        "ValidationException",
        "bad column",
        ["a", "b"],
        "rid-1",
    )
    assert str(err) == "HTTP 400 ValidationException: bad column [a; b] (GET /amc/x) request id rid-1"


def test_lwa_error_body_fields() -> None:
    body = (
        b'{"error": "invalid_grant", '
        b'"error_description": "The request has an invalid parameter : refresh_token"}'
    )
    err = error_from_response(_response(400, body, "application/json"))
    assert err.code == "invalid_grant"
    assert err.details == "The request has an invalid parameter : refresh_token"


def test_request_id_header_wins() -> None:
    err = error_from_response(_response(500, b"", None, **{"x-amzn-RequestId": "hdr-rid"}))
    assert err.request_id == "hdr-rid"


def test_throttled_carries_retry_after() -> None:
    err = error_from_response(
        _response(429, b'{"code": "TooManyRequests"}', "application/json", **{"Retry-After": "7"})
    )
    assert isinstance(err, AmcThrottledError)
    assert err.retry_after == 7.0


def test_server_echoing_tokens_is_redacted() -> None:
    body = (
        b'{"code": "Unauthorized", "details": "token Atza|IwEBIsecretvalue rejected; '
        b"header Bearer abc.def.ghi; "
        b'refresh_token=Atzr|xyz client_secret=hunter2hunter2"}'
    )
    err = error_from_response(_response(401, body, "application/json"), secrets=["hunter2hunter2"])
    text = str(err) + repr(err)
    for leaked in ("IwEBIsecretvalue", "abc.def.ghi", "Atzr|xyz", "hunter2hunter2"):
        assert leaked not in text
    assert "[REDACTED]" in text


def test_details_are_clipped() -> None:
    err = error_from_response(_response(400, b'{"details": "' + b"x" * 5000 + b'"}', "application/json"))
    assert err.details is not None and len(err.details) == 500


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("Atza|abc def", (), "[REDACTED] def"),
        ("Authorization: Bearer abc", (), "Authorization: Bearer [REDACTED]"),
        ("client_secret=s3cr3t&x=1", (), "client_secret=[REDACTED]&x=1"),
        ('"refresh_token": "Atzr|q"', (), '"refresh_token": "[REDACTED]"'),
        ("the key is sup3rs3cret!", ("sup3rs3cret",), "the key is [REDACTED]!"),
        ("nothing here", (), "nothing here"),
        ("row 3: jane.doe+x@example.co.uk is not hashed", (), "row 3: [REDACTED] is not hashed"),
    ],
)
def test_redact(text: str, secrets: tuple[str, ...], expected: str) -> None:
    assert redact(text, secrets) == expected


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after(future) or 0) <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert parse_retry_after(past) == 0.0


@given(
    status=st.integers(min_value=400, max_value=599),
    content=st.binary(max_size=400),
    content_type=st.sampled_from(
        ["application/json", "text/html", "text/plain", "", "application/octet-stream"]
    ),
)
@settings(max_examples=200, deadline=None)
def test_any_body_maps_without_raising(status: int, content: bytes, content_type: str) -> None:
    err = error_from_response(_response(status, content, content_type or None))
    assert isinstance(err, AmcApiError) and err.status == status
    assert str(err).startswith(f"HTTP {status}")
    assert err.details is None or len(err.details) <= 500


@given(
    token=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="\"',;&\\"),
        min_size=8,
        max_size=60,
    )
)
@settings(max_examples=100, deadline=None)
def test_lwa_tokens_in_error_bodies_never_surface(token: str) -> None:
    for prefix in ("Atza|", "Atzr|"):
        body = json.dumps(
            {"code": "X", "details": f"bad {prefix}{token} here", "errors": [f"{prefix}{token}"]}
        )
        err = error_from_response(_response(401, body.encode(), "application/json"))
        assert f"{prefix}{token}" not in str(err) + repr(err)


def test_errors_survive_pickling() -> None:
    import pickle

    from amc_client import AmcTransportError, DatasetDefinitionError

    throttled = error_from_response(
        _response(
            429,
            b'{"code": "TooManyRequests", "details": "slow down"}',
            "application/json",
            **{"Retry-After": "4"},
        )
    )
    for err in (
        throttled,
        AmcTransportError("ConnectError", method="GET", url="/amc/x", sent=False),
        DatasetDefinitionError(["a", "b"]),
    ):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == str(err) and copy.__dict__ == err.__dict__
    assert pickle.loads(pickle.dumps(throttled)).retry_after == 4.0


def test_errors_repeating_details_are_not_doubled() -> None:
    body = b'{"code": "NOT_FOUND", "details": "Data set x not found", "errors": ["Data set x not found"]}'
    err = error_from_response(_response(404, body, "application/json"))
    assert str(err) == "HTTP 404 NOT_FOUND: Data set x not found"
    assert err.errors == ["Data set x not found"]
