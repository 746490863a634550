"""The sandbox's HTTP surface: LWA token + consent endpoints, AMC advertiser-data endpoints, admin API.

Handlers parse the raw JSON themselves (no request models) so that the error answers keep AMC's shape
(`{"code", "details", "errors", "requestId"}`) and the checks of `schema` apply to exactly what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from amc_sandbox import datastore, schema
from amc_sandbox.errors import (
    LwaError,
    SandboxApiError,
    bad_request,
    forbidden,
    not_found,
    unauthorized,
)
from amc_sandbox.faults import FaultRegistry, FaultRule, RequestLog
from amc_sandbox.state import SandboxState, page_size, paginate, parse_iso, public
from amc_sandbox.worker import UploadProcessor

logger = logging.getLogger(__name__)

H_CLIENT_ID: Final = "Amazon-Advertising-API-ClientId"
H_ADVERTISER: Final = "Amazon-Advertising-API-AdvertiserId"
H_MARKETPLACE: Final = "Amazon-Advertising-API-MarketplaceId"
H_ADS_ACCOUNT: Final = "Amazon-Ads-AccountId"
REQUEST_ID_HEADER: Final = "x-amzn-RequestId"

STATUS_CODES: Final = {
    400: ("BAD_REQUEST", "Bad request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    409: ("CONFLICT", "Conflict"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    422: ("UNPROCESSABLE_ENTITY", "Unprocessable entity"),
    429: ("TOO_MANY_REQUESTS", "Too many requests, retry later"),
    500: ("INTERNAL_ERROR", "Internal error, retry later"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable"),
    504: ("GATEWAY_TIMEOUT", "Endpoint request timed out"),  # the message of issue #117
}


@dataclass
class SandboxContext:
    """What the routes share: the state, the upload worker, faults and the request log."""

    state: SandboxState
    processor: UploadProcessor
    faults: FaultRegistry
    requests: RequestLog


def error_body(
    status: int, code: str | None, details: str, errors: list[str] | None, request_id: str
) -> dict[str, Any]:
    default_code, _ = STATUS_CODES.get(status, (str(status), ""))
    return {
        "code": code or default_code,
        "details": details,
        "errors": errors or [details],
        "requestId": request_id,
    }


def _request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return str(rid) if rid else str(uuid.uuid4())


def _page(key: str, items: list[Any], next_token: str | None) -> JSONResponse:
    """One page of a list answer: `nextToken` only while more pages follow."""
    body: dict[str, Any] = {key: items}
    if next_token:
        body["nextToken"] = next_token
    return _json(body)


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


async def _read_json(request: Request, *, required: bool = True) -> Any:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request("Request body is required")
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise SandboxApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", f"Unsupported Content-Type {content_type!r}; send JSON"
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Request body is not valid JSON") from exc


def _authorize(
    ctx: SandboxContext, request: Request, instance_id: str | None, *, advertiser: bool = True
) -> dict[str, Any] | None:
    """The header checks of spec A.4; returns the instance when one is addressed."""
    auth = request.headers.get("authorization")
    if not auth:
        raise unauthorized("Missing Authorization header")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Authorization header must be 'Bearer <access token>'")
    token_client = ctx.state.check_access_token(token.strip())
    client_id = request.headers.get(H_CLIENT_ID)
    if not client_id:
        raise unauthorized(f"Missing {H_CLIENT_ID} header")
    if client_id != token_client:
        raise unauthorized(f"{H_CLIENT_ID} does not match the client the access token was issued to")
    if not advertiser:
        return None
    advertiser_id = request.headers.get(H_ADVERTISER)
    marketplace_id = request.headers.get(H_MARKETPLACE)
    if not advertiser_id:
        raise unauthorized(f"Missing {H_ADVERTISER} header")
    if not marketplace_id:
        raise unauthorized(f"Missing {H_MARKETPLACE} header")
    account = ctx.state.account(advertiser_id)
    if account is None:
        raise forbidden(f"Not authorized to access advertiser {advertiser_id}")
    if account["marketplaceId"] != marketplace_id:
        raise forbidden(f"Marketplace {marketplace_id} does not belong to advertiser {advertiser_id}")
    if instance_id is None:
        return None
    instance = ctx.state.instance(instance_id)
    if instance is None:
        raise not_found(f"Instance {instance_id} not found")
    if instance["_accountId"] != advertiser_id:
        raise forbidden(f"Advertiser {advertiser_id} is not authorized to access instance {instance_id}")
    required_account = instance.get("_adsAccountId")
    if required_account and request.headers.get(H_ADS_ACCOUNT) != required_account:
        # Issue #278: some production instances need Amazon-Ads-AccountId.
        raise forbidden(f"{H_ADS_ACCOUNT} header is required for instance {instance_id}")
    return instance


def _instance_view(instance: dict[str, Any], request: Request) -> dict[str, Any]:
    view = public(instance)
    view["apiEndpoint"] = view.get("apiEndpoint") or str(request.base_url).rstrip("/")
    return view


def _dataset_view(dataset: dict[str, Any]) -> dict[str, Any]:
    view = public(dataset)
    view.setdefault("compressionFormat", "GZIP")
    return view


def _upload_view(upload: dict[str, Any]) -> dict[str, Any]:
    return public(upload)


def _lwa_error(exc: LwaError) -> JSONResponse:
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


async def _query_and_body(request: Request) -> dict[str, str]:
    """List parameters: B.3/B.10 send them as query parameters; a JSON body is accepted too (query wins)."""
    params = dict(request.query_params)
    body = await _read_json(request, required=False)
    if isinstance(body, dict):
        params = {**{k: str(v) for k, v in body.items() if v is not None}, **params}
    return params


def _filter_uploads(uploads: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """B.10 filters: dataSetId, status, createdAt + createdAtComparator (default EQ)."""
    dataset_id = params.get("dataSetId")
    status = params.get("status")
    created_at = params.get("createdAt")
    comparator = (params.get("createdAtComparator") or "EQ").upper()
    if status is not None and status not in schema.UPLOAD_STATUSES:
        raise bad_request(f"status must be one of {sorted(schema.UPLOAD_STATUSES)}")
    if comparator not in schema.COMPARATORS:
        raise bad_request(f"createdAtComparator must be one of {sorted(schema.COMPARATORS)}")
    moment = None
    if created_at:
        try:
            moment = parse_iso(created_at)
        except ValueError as exc:
            raise bad_request("createdAt must be an ISO-8601 timestamp like 2024-01-31T12:00:00Z") from exc
    result = []
    for upload in uploads:
        if dataset_id and upload["dataSetId"] != dataset_id:
            continue
        if status and upload["status"] != status:
            continue
        if moment is not None:
            created = parse_iso(upload["createdAt"])
            ok = {
                "EQ": created == moment,
                "GT": created > moment,
                "GTE": created >= moment,
                "LT": created < moment,
                "LTE": created <= moment,
            }[comparator]
            if not ok:
                continue
        result.append(upload)
    return result


def create_app(ctx: SandboxContext) -> FastAPI:
    """The FastAPI app over a sandbox context (the `SandboxServer` builds both)."""
    app = FastAPI(
        title="AMC sandbox", version="1", docs_url="/sandbox/docs", openapi_url="/sandbox/openapi.json"
    )
    state = ctx.state

    @app.exception_handler(SandboxApiError)
    async def _api_error(request: Request, exc: SandboxApiError) -> JSONResponse:
        return _json(
            error_body(exc.status, exc.code, exc.details, exc.errors, _request_id(request)), exc.status
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, default = STATUS_CODES.get(exc.status_code, (str(exc.status_code), "Error"))
        details = exc.detail if isinstance(exc.detail, str) else default
        if exc.status_code == 404:
            details = f"No such resource: {request.method} {request.url.path}"
        return _json(error_body(exc.status_code, code, details, None, _request_id(request)), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("sandbox: unexpected error on %s %s", request.method, request.url.path)
        return _json(error_body(500, None, "Internal error", None, _request_id(request)), 500)

    @app.middleware("http")
    async def _faults_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.time()
        request.state.request_id = str(uuid.uuid4())
        rule = ctx.faults.take(request.method, request.url.path)
        fault_response: Response | None = None
        if rule is not None:
            if rule.delay_seconds:
                await asyncio.sleep(rule.delay_seconds)
            if rule.disconnect:
                if rule.disconnect == "after":
                    # The request is fully processed; only its answer is lost (create-upload retry test).
                    processed = await call_next(request)
                    async for _ in processed.body_iterator:  # type: ignore[attr-defined]
                        pass
                ctx.requests.add(request.method, request.url.path, 0, fault=True, started=started)
                return StreamingResponse(_broken_body(), status_code=200, media_type="application/json")
            if rule.status is not None:
                fault_response = _fault_response(rule, request)
        response = fault_response if fault_response is not None else await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request.state.request_id
        ctx.requests.add(
            request.method,
            request.url.path,
            response.status_code,
            fault=fault_response is not None,
            started=started,
        )
        return response

    # ---------------------------------------------------------------- Login with Amazon (spec A.1, A.2)

    @app.get("/ap/oa", response_model=None)
    async def consent(request: Request) -> Response:
        q = request.query_params
        client_id = q.get("client_id")
        redirect_uri = q.get("redirect_uri")
        if not state.is_client(client_id):
            return HTMLResponse(
                "<html><body><h1>Error</h1><p>Unknown client_id.</p></body></html>", status_code=400
            )
        if not redirect_uri or not redirect_uri.startswith(("http://", "https://")):
            return HTMLResponse(
                "<html><body><h1>Error</h1><p>Invalid redirect_uri.</p></body></html>", status_code=400
            )
        sep = "&" if "?" in redirect_uri else "?"
        params: dict[str, str] = {}
        deny = q.get("sandbox_consent", state.consent_mode) == "deny"
        if q.get("response_type") != "code":
            params = {"error": "unsupported_response_type", "error_description": "response_type must be code"}
        elif not q.get("scope"):
            params = {"error": "invalid_scope", "error_description": "scope is required"}
        elif deny:
            params = {"error": "access_denied", "error_description": "The user denied the request"}
        else:
            assert client_id is not None
            code = state.issue_code(
                client_id, redirect_uri, q["scope"], q.get("code_challenge"), q.get("code_challenge_method")
            )
            params = {"code": code, "scope": q["scope"]}
        if q.get("state") is not None:
            params["state"] = q["state"]
        return RedirectResponse(redirect_uri + sep + urlencode(params), status_code=302)

    @app.post("/auth/o2/token", response_model=None)
    async def token(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _lwa_error(
                LwaError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
            )
        form = _form(await request.body())
        basic_id, basic_secret = _basic_credentials(request)
        client_id = form.get("client_id") or basic_id
        client_secret = form.get("client_secret") or basic_secret
        grant = form.get("grant_type")
        try:
            if grant == "authorization_code":
                body = state.exchange_code(
                    client_id,
                    client_secret,
                    form.get("code"),
                    form.get("redirect_uri"),
                    form.get("code_verifier"),
                )
            elif grant == "refresh_token":
                body = state.refresh(client_id, client_secret, form.get("refresh_token"))
            elif not grant:
                raise LwaError(
                    400, "invalid_request", "The request is missing a required parameter : grant_type"
                )
            else:
                raise LwaError(400, "unsupported_grant_type", f"Unsupported grant_type {grant!r}")
        except LwaError as exc:
            return _lwa_error(exc)
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # ---------------------------------------------------------------- accounts and instances (B.1, B.2)

    @app.get("/amc/accounts")
    async def list_accounts(request: Request) -> JSONResponse:
        _authorize(ctx, request, None, advertiser=False)
        records = [{**a, "_seq": i} for i, a in enumerate(state.accounts())]
        page, token = paginate(
            records, request.query_params.get("nextToken"), page_size(request.query_params.get("maxResults"))
        )
        return _page("amcAccounts", [public(a) for a in page], token)

    @app.get("/amc/instances")
    async def list_instances(request: Request) -> JSONResponse:
        _authorize(ctx, request, None)
        advertiser_id = request.headers[H_ADVERTISER]
        records = [{**i, "_seq": n} for n, i in enumerate(state.instances_for(advertiser_id))]
        size = page_size(request.query_params.get("limit") or request.query_params.get("maxResults"))
        page, token = paginate(records, request.query_params.get("nextToken"), size)
        return _page("instances", [_instance_view(i, request) for i in page], token)

    @app.get("/amc/instances/{instance_id}")
    async def get_instance(instance_id: str, request: Request) -> JSONResponse:
        instance = _authorize(ctx, request, instance_id)
        assert instance is not None
        return _json({"instance": _instance_view(instance, request)})

    # ---------------------------------------------------------------- data sets (B.3 - B.8)

    base = "/amc/advertiserData/{instance_id}"

    @app.post(base + "/dataSets/list")
    async def list_datasets(instance_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        q = await _query_and_body(request)
        page, token = paginate(
            state.list_datasets(instance_id), q.get("nextToken"), page_size(q.get("maxResults"))
        )
        return _page("dataSets", [_dataset_view(d) for d in page], token)

    @app.post(base + "/dataSets")
    async def create_dataset(instance_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        dataset = schema.validate_create_dataset(await _read_json(request))
        state.create_dataset(instance_id, dataset)
        return _json({"dataSetId": dataset["dataSetId"], "instanceId": instance_id})

    @app.get(base + "/dataSets/{dataset_id}")
    async def get_dataset(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        return _json({"dataSet": _dataset_view(state.get_dataset(instance_id, dataset_id))})

    @app.put(base + "/dataSets/{dataset_id}")
    async def update_dataset(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        body = await _read_json(request)

        def mutate(dataset: dict[str, Any]) -> None:
            dataset.update(schema.validate_update_dataset(body, dataset))

        return _json({"dataSet": _dataset_view(state.update_dataset(instance_id, dataset_id, mutate))})

    @app.delete(base + "/dataSets/{dataset_id}")
    async def delete_dataset(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        state.delete_dataset(instance_id, dataset_id)
        return _json({"dataSetId": dataset_id, "instanceId": instance_id})

    @app.post(base + "/dataSets/{dataset_id}/columns")
    async def add_column(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        body = await _read_json(request)

        def mutate(dataset: dict[str, Any]) -> None:
            dataset["columns"] = schema.add_column(body, dataset)

        return _json({"dataSet": _dataset_view(state.update_dataset(instance_id, dataset_id, mutate))})

    @app.put(base + "/dataSets/{dataset_id}/columns/{column_name}")
    async def update_column(
        instance_id: str, dataset_id: str, column_name: str, request: Request
    ) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        body = await _read_json(request)

        def mutate(dataset: dict[str, Any]) -> None:
            dataset["columns"] = schema.update_column(body, dataset, column_name)

        return _json({"dataSet": _dataset_view(state.update_dataset(instance_id, dataset_id, mutate))})

    @app.delete(base + "/dataSets/{dataset_id}/columns/{column_name}")
    async def delete_column(
        instance_id: str, dataset_id: str, column_name: str, request: Request
    ) -> JSONResponse:
        _authorize(ctx, request, instance_id)

        def mutate(dataset: dict[str, Any]) -> None:
            dataset["columns"] = schema.delete_column(dataset, column_name)

        return _json({"dataSet": _dataset_view(state.update_dataset(instance_id, dataset_id, mutate))})

    # ---------------------------------------------------------------- uploads (B.9 - B.12)

    @app.post(base + "/uploads/list")
    async def list_uploads(instance_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        params = await _query_and_body(request)
        uploads = _filter_uploads(state.list_uploads(instance_id), params)
        page, token = paginate(
            uploads, params.get("nextToken"), page_size(params.get("maxResults")), descending=True
        )
        return _page("uploads", [_upload_view(u) for u in page], token)

    @app.post(base + "/uploads/{dataset_id}")
    async def create_upload(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        body = await _read_json(request)
        dataset = state.get_dataset(instance_id, dataset_id)
        upload_request = schema.validate_create_upload(body, dataset)
        upload = state.create_upload(instance_id, dataset_id, upload_request)
        ctx.processor.submit(instance_id, upload["uploadId"])
        return _json({"status": upload["status"], "uploadId": upload["uploadId"]})

    @app.get(base + "/uploads/{dataset_id}/{upload_id}")
    async def get_upload(instance_id: str, dataset_id: str, upload_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        return _json({"upload": _upload_view(state.get_upload(instance_id, dataset_id, upload_id))})

    # ---------------------------------------------------------------- user deletion (B.13)

    @app.post(base + "/userDeletionRequest")
    async def create_deletion(instance_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        identities = schema.validate_deletion_request(await _read_json(request))
        record = state.create_deletion(instance_id, len(identities))
        return _json({"userDeletionRequestId": record["userDeletionRequestId"]})

    @app.post(base + "/userDeletionRequest/list")
    async def list_deletions(instance_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        state.settle_deletions(ctx.processor.delay)
        q = request.query_params
        page, token = paginate(
            state.list_deletions(instance_id),
            q.get("nextToken"),
            page_size(q.get("maxResults")),
            descending=True,
        )
        return _page("userDeletions", [public(d) for d in page], token)

    @app.get(base + "/userDeletionRequest/{request_id}")
    async def get_deletion(instance_id: str, request_id: str, request: Request) -> JSONResponse:
        _authorize(ctx, request, instance_id)
        state.settle_deletions(ctx.processor.delay)
        return _json({"identityDeletion": public(state.get_deletion(instance_id, request_id))})

    # ---------------------------------------------------------------- sandbox admin (not AMC)

    @app.get("/sandbox/health")
    async def health() -> JSONResponse:
        return _json({"status": "ok"})

    @app.get("/sandbox/faults")
    async def get_faults() -> JSONResponse:
        return _json({"faults": ctx.faults.rules()})

    @app.post("/sandbox/faults")
    async def add_faults(request: Request) -> JSONResponse:
        body = await _read_json(request)
        raw_rules = (
            body if isinstance(body, list) else body.get("faults", [body]) if isinstance(body, dict) else None
        )
        if not isinstance(raw_rules, list):
            raise bad_request('Send a fault rule, a list of rules or {"faults": [...]}')
        rules = [FaultRule.from_dict(r) for r in raw_rules]
        ctx.faults.add(rules)
        return _json({"faults": ctx.faults.rules()})

    @app.delete("/sandbox/faults")
    async def clear_faults() -> JSONResponse:
        ctx.faults.clear()
        return _json({"faults": []})

    @app.get("/sandbox/requests")
    async def get_requests(request: Request) -> JSONResponse:
        method = (request.query_params.get("method") or "").upper()
        fragment = request.query_params.get("path_contains") or ""
        entries = [
            e.to_dict()
            for e in ctx.requests.entries()
            if not e.path.startswith("/sandbox/")
            and (not method or e.method == method)
            and fragment in e.path
        ]
        return _json({"requests": entries})

    @app.delete("/sandbox/requests")
    async def clear_requests() -> JSONResponse:
        ctx.requests.clear()
        return _json({"requests": []})

    @app.post("/sandbox/reset")
    async def reset(request: Request) -> JSONResponse:
        body = await _read_json(request, required=False)
        tokens = bool(body.get("tokens")) if isinstance(body, dict) else False
        ctx.faults.clear()
        ctx.requests.clear()
        state.reset(tokens=tokens)
        return _json({"reset": True})

    @app.get("/sandbox/config")
    async def get_config() -> JSONResponse:
        return _json(_config(ctx))

    @app.post("/sandbox/config")
    async def set_config(request: Request) -> JSONResponse:
        body = await _read_json(request)
        if not isinstance(body, dict):
            raise bad_request("Send a JSON object")
        try:
            if "token_lifetime" in body:
                state.token_lifetime = int(body["token_lifetime"])
            if "consent" in body:
                state.consent_mode = str(body["consent"])
            if "processing_delay" in body:
                ctx.processor.delay = max(float(body["processing_delay"]), 0.0)
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc)) from exc
        return _json(_config(ctx))

    @app.post("/sandbox/tokens/expire")
    async def expire_tokens() -> JSONResponse:
        return _json({"expired": state.expire_access_tokens()})

    @app.post("/sandbox/tokens/revoke")
    async def revoke_tokens() -> JSONResponse:
        state.revoke_refresh_tokens()
        return _json({"revoked": True})

    @app.get("/sandbox/data/{instance_id}/{dataset_id}")
    async def stored_rows(instance_id: str, dataset_id: str, request: Request) -> JSONResponse:
        state.get_dataset(instance_id, dataset_id)
        limit = page_size(request.query_params.get("limit"))
        count, rows = datastore.read(state.state_dir, instance_id, dataset_id, limit)
        return _json({"rowCount": count, "rows": rows})

    @app.post("/sandbox/uploads/{instance_id}/{upload_id}")
    async def settle_upload(instance_id: str, upload_id: str, request: Request) -> JSONResponse:
        body = await _read_json(request)
        if not isinstance(body, dict) or body.get("status") not in schema.UPLOAD_STATUSES:
            raise bad_request(
                f'Send {{"status": one of {sorted(schema.UPLOAD_STATUSES)}, "message"?, "metrics"?}}'
            )
        fields = {k: body[k] for k in ("status", "message", "metrics") if k in body}
        updated = state.update_upload(instance_id, upload_id, **fields)
        if updated is None:
            raise not_found(f"Upload {upload_id} not found in instance {instance_id}")
        return _json({"upload": _upload_view(updated)})

    @app.post("/sandbox/instances")
    async def add_instance(request: Request) -> JSONResponse:
        body = await _read_json(request)
        if not isinstance(body, dict):
            raise bad_request("Send a JSON object")
        try:
            record = state.add_instance(
                str(body["instanceId"]),
                account_id=str(body["accountId"]),
                marketplace_id=str(body.get("marketplaceId", "ATVPDKIKX0DER")),
                data_upload_account_id=str(body["dataUploadAwsAccountId"]),
                name=str(body.get("instanceName", "")),
                ads_account_id=body.get("adsAccountId"),
            )
        except KeyError as exc:
            raise bad_request(f"Missing field {exc}") from exc
        return _json({"instance": _instance_view(record, request)})

    return app


def _config(ctx: SandboxContext) -> dict[str, Any]:
    return {
        "token_lifetime": ctx.state.token_lifetime,
        "consent": ctx.state.consent_mode,
        "processing_delay": ctx.processor.delay,
    }


class InjectedDisconnect(Exception):
    """Raised mid-response to drop the connection (the client sees a transport error)."""


async def _broken_body() -> AsyncIterator[bytes]:
    raise InjectedDisconnect("connection dropped by an injected fault")
    yield b""  # pragma: no cover - makes this an async generator


def _fault_response(rule: FaultRule, request: Request) -> Response:
    status = int(rule.status or 500)
    headers = {REQUEST_ID_HEADER: request.state.request_id}
    if rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    if rule.empty_body:
        return Response(b"", status_code=status, headers=headers)
    if rule.body_text is not None:
        looks_html = rule.body_text.lstrip().lower().startswith("<")
        media = rule.content_type or ("text/html" if looks_html else "text/plain")
        return Response(rule.body_text, status_code=status, headers=headers, media_type=media)
    if request.url.path == "/auth/o2/token":
        body: dict[str, Any] = {
            "error": "server_error",
            "error_description": f"Injected fault (HTTP {status})",
        }
    else:
        code, details = STATUS_CODES.get(status, (str(status), f"Injected fault (HTTP {status})"))
        body = error_body(status, code, details, None, request.state.request_id)
    return JSONResponse(body, status_code=status, headers=headers)
