"""Login with Amazon: the consent page and the token endpoint (spec A.1, A.2)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from amc_sandbox.errors import LwaError
from amc_sandbox.routes.common import (
    Ctx,
)

router = APIRouter()


@router.get("/ap/oa", response_model=None)
async def consent(ctx: Ctx, request: Request) -> Response:
    q = request.query_params
    client_id = q.get("client_id")
    redirect_uri = q.get("redirect_uri")
    if not ctx.state.is_client(client_id):
        return HTMLResponse(
            "<html><body><h1>Error</h1><p>Unknown client_id.</p></body></html>", status_code=400
        )
    if not redirect_uri or not redirect_uri.startswith(("http://", "https://")):
        return HTMLResponse(
            "<html><body><h1>Error</h1><p>Invalid redirect_uri.</p></body></html>", status_code=400
        )
    sep = "&" if "?" in redirect_uri else "?"
    params: dict[str, str] = {}
    deny = q.get("sandbox_consent", ctx.state.consent_mode) == "deny"
    if q.get("response_type") != "code":
        params = {"error": "unsupported_response_type", "error_description": "response_type must be code"}
    elif not q.get("scope"):
        params = {"error": "invalid_scope", "error_description": "scope is required"}
    elif deny:
        params = {"error": "access_denied", "error_description": "The user denied the request"}
    else:
        assert client_id is not None
        code = ctx.state.issue_code(
            client_id, redirect_uri, q["scope"], q.get("code_challenge"), q.get("code_challenge_method")
        )
        params = {"code": code, "scope": q["scope"]}
    if q.get("state") is not None:
        params["state"] = q["state"]
    return RedirectResponse(redirect_uri + sep + urlencode(params), status_code=302)


@router.post("/auth/o2/token", response_model=None)
async def token(ctx: Ctx, request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return lwa_error(
            LwaError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        )
    form = _form(await request.body())
    basic_id, basic_secret = _basic_credentials(request)
    client_id = form.get("client_id") or basic_id
    client_secret = form.get("client_secret") or basic_secret
    grant = form.get("grant_type")
    try:
        if grant == "authorization_code":
            body = ctx.state.exchange_code(
                client_id,
                client_secret,
                form.get("code"),
                form.get("redirect_uri"),
                form.get("code_verifier"),
            )
        elif grant == "refresh_token":
            body = ctx.state.refresh(client_id, client_secret, form.get("refresh_token"))
        elif not grant:
            raise LwaError(400, "invalid_request", "The request is missing a required parameter : grant_type")
        else:
            raise LwaError(400, "unsupported_grant_type", f"Unsupported grant_type {grant!r}")
    except LwaError as exc:
        return lwa_error(exc)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def lwa_error(exc: LwaError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers={"Cache-Control": "no-store"},
    )


def _form(raw: bytes) -> dict[str, str]:
    parsed = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, _, password = decoded.partition(":")
    return user, password
