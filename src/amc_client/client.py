"""`AmcClient` (account level) and `InstanceClient` (one AMC instance's advertiser-data endpoints, spec B).

Policy lives here (headers, auth refresh on 401, retries, pagination, error mapping); I/O is one
`httpx.Client` whose transport is injectable, so everything is testable with `httpx.MockTransport`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from amc_client.auth import (
    CredentialStore,
    InMemoryCredentialStore,
    LwaTokenProvider,
    SecretsManagerCredentialStore,
    TokenProvider,
    build_consent_url,
)
from amc_client.dataset import ColumnDefinition, _to_column
from amc_client.errors import (
    AmcApiError,
    AmcConfigError,
    AmcError,
    AmcInvalidResponseError,
    AmcNotFoundError,
    AmcServerError,
    AmcThrottledError,
    AmcTransportError,
    AmcUploadFailedError,
    AmcUploadTimeoutError,
    error_from_response,
    invalid_response,
    parse_retry_after,
    redact,
)
from amc_client.models import (
    HEADER_ADS_ACCOUNT_ID,
    HEADER_ADVERTISER_ID,
    HEADER_CLIENT_ID,
    HEADER_MARKETPLACE_ID,
    MAX_DELETION_IDENTITIES,
    AmcAccount,
    Column,
    CreateUploadResponse,
    DataSet,
    DataSetRef,
    Instance,
    Upload,
    UploadRequest,
    UserDeletion,
    UserDeletionRequestRef,
)
from amc_client.retry import RetryPolicy
from amc_client.settings import AmcSettings
from amc_client.uploads import manifest_source, upload_for_source

logger = logging.getLogger(__name__)

USER_AGENT = "amc-uploader/0.1 (+amc_client)"

_Model = TypeVar("_Model", bound=BaseModel)
# Failures that say nothing about the resource itself: polling again later may well succeed.
TRANSIENT_ERRORS: tuple[type[AmcError], ...] = (
    AmcServerError,
    AmcThrottledError,
    AmcTransportError,
    AmcInvalidResponseError,
)


def _read_body(response: httpx.Response, *, expect_body: bool) -> tuple[Any, str | None]:
    """(parsed JSON, None) or (None, why the body cannot be used). `expect_body`: the endpoint answers
    a JSON object, so an empty body or another JSON value is unreadable too."""
    if not response.content:
        return None, ("empty response body" if expect_body else None)
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, "non-JSON response body"
    if expect_body and not isinstance(data, Mapping):
        return None, f"unexpected JSON response body ({type(data).__name__})"
    return data, None


def _parse(model: type[_Model], data: Any, *, method: str | None = None, path: str | None = None) -> _Model:
    """`model.model_validate(data)`; a body of another shape is an `AmcInvalidResponseError` (pydantic's
    message quotes the input, so it is not passed on)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        raise AmcInvalidResponseError(
            200, "InvalidResponse", f"response body is not a {model.__name__}", method=method, path=path
        ) from None


def _seg(value: str) -> str:
    """One URL path segment: ids are quoted so a stray '/' or '?' cannot change the route."""
    if not value:
        raise AmcConfigError("empty id in request path")
    return quote(value, safe="")


@dataclass(frozen=True)
class _Context:
    """AMC's per-advertiser headers (spec A.4)."""

    advertiser_id: str | None
    marketplace_id: str | None
    ads_account_id: str | None = None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.advertiser_id:
            headers[HEADER_ADVERTISER_ID] = self.advertiser_id
        if self.marketplace_id:
            headers[HEADER_MARKETPLACE_ID] = self.marketplace_id
        if self.ads_account_id:
            # Issue #278: production instances may need it; sent only when configured.
            headers[HEADER_ADS_ACCOUNT_ID] = self.ads_account_id
        return headers


def _credential_store(settings: AmcSettings) -> CredentialStore:
    if settings.client_id and settings.client_secret is not None:
        return InMemoryCredentialStore(settings.client_id, settings.client_secret, settings.refresh_token)
    if settings.lwa_secret_id:
        import boto3

        return SecretsManagerCredentialStore(settings.lwa_secret_id, boto3.client("secretsmanager"))
    raise AmcConfigError(
        "no LwA credentials: set AMC_CLIENT_ID, AMC_CLIENT_SECRET and AMC_REFRESH_TOKEN, or AMC_LWA_SECRET_ID"
    )


class AmcClient:
    """Entry point. `AmcClient.from_env()` reads `AMC_*` variables; everything is injectable:

    `token_provider` (default: `LwaTokenProvider` over the settings' credentials or Secrets Manager
    secret), `transport` (an `httpx.BaseTransport`, shared by API and token calls), `retry` (a
    `RetryPolicy`, whose `sleep`/`clock` the waiter uses too).
    """

    def __init__(
        self,
        settings: AmcSettings | None = None,
        *,
        token_provider: TokenProvider | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings if settings is not None else AmcSettings()
        self.base_url = self.settings.api_base_url.rstrip("/")
        self.retry = retry or RetryPolicy(
            max_attempts=self.settings.max_attempts,
            max_total_seconds=self.settings.max_retry_seconds,
            base_delay=self.settings.retry_base_delay,
            max_delay=self.settings.retry_max_delay,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=transport, timeout=self.settings.timeout_seconds, follow_redirects=False
        )
        if token_provider is None:
            token_provider = LwaTokenProvider(
                _credential_store(self.settings),
                token_url=self.settings.lwa_token_url,
                http_client=self._http,
                retry=self.retry,
            )
        self.token_provider = token_provider

    @classmethod
    def from_env(cls, **kwargs: Any) -> AmcClient:
        """Settings from `AMC_*` environment variables; `kwargs` go to the constructor."""
        return cls(AmcSettings(), **kwargs)

    def __repr__(self) -> str:
        return f"AmcClient(base_url={self.base_url!r}, advertiser_id={self.settings.advertiser_id!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AmcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def consent_url(
        self, redirect_uri: str, *, state: str | None = None, code_challenge: str | None = None
    ) -> str:
        """The LwA consent page URL for this client's credentials, scope and consent host (spec A.1)."""
        return build_consent_url(
            self.token_provider.client_id,
            redirect_uri,
            scope=self.settings.lwa_scope,
            state=state,
            code_challenge=code_challenge,
            consent_url=self.settings.lwa_consent_url,
        )

    def _default_context(
        self,
        advertiser_id: str | None = None,
        marketplace_id: str | None = None,
        ads_account_id: str | None = None,
        *,
        what: str = "this call",
    ) -> _Context:
        """Header ids (explicit, else settings). Every AMC call but GET /amc/accounts needs the
        advertiser and marketplace ids (spec A.4): missing ones fail here, before any request."""
        context = _Context(
            advertiser_id or self.settings.advertiser_id,
            marketplace_id or self.settings.marketplace_id,
            ads_account_id or self.settings.ads_account_id,
        )
        missing = [
            name
            for name, value in (
                ("advertiser_id (AMC_ADVERTISER_ID)", context.advertiser_id),
                ("marketplace_id (AMC_MARKETPLACE_ID)", context.marketplace_id),
            )
            if not value
        ]
        if missing:
            raise AmcConfigError(f"{what}: missing {', '.join(missing)} (spec A.4 headers)")
        return context

    def for_instance(
        self,
        instance_id: str | None = None,
        *,
        advertiser_id: str | None = None,
        marketplace_id: str | None = None,
        ads_account_id: str | None = None,
    ) -> InstanceClient:
        """A client bound to one instance; ids default to the settings (`AMC_INSTANCE_ID`, ...)."""
        instance_id = instance_id or self.settings.instance_id
        if not instance_id:
            raise AmcConfigError("no AMC instance id: pass one or set AMC_INSTANCE_ID")
        context = self._default_context(
            advertiser_id, marketplace_id, ads_account_id, what=f"instance {instance_id}"
        )
        return InstanceClient(self, instance_id, context)

    def list_accounts(self) -> list[AmcAccount]:
        """GET /amc/accounts: ClientId + Authorization only (spec B.1), all pages."""
        return [
            _parse(AmcAccount, item, method="GET", path="/amc/accounts")
            for item in self._paginate("GET", "/amc/accounts", "amcAccounts", context=None)
        ]

    def list_instances(
        self,
        *,
        advertiser_id: str | None = None,
        marketplace_id: str | None = None,
        ads_account_id: str | None = None,
    ) -> list[Instance]:
        """GET /amc/instances (spec B.2), all pages."""
        context = self._default_context(advertiser_id, marketplace_id, ads_account_id, what="list instances")
        return [
            _parse(Instance, item, method="GET", path="/amc/instances")
            for item in self._paginate("GET", "/amc/instances", "instances", context=context)
        ]

    def get_instance(
        self,
        instance_id: str,
        *,
        advertiser_id: str | None = None,
        marketplace_id: str | None = None,
        ads_account_id: str | None = None,
    ) -> Instance:
        context = self._default_context(
            advertiser_id, marketplace_id, ads_account_id, what=f"instance {instance_id}"
        )
        path = f"/amc/instances/{_seg(instance_id)}"
        data = self.call("GET", path, context=context, expect_body=True)
        if isinstance(data.get("instance"), Mapping):
            data = data["instance"]
        return _parse(Instance, data, method="GET", path=path)

    def call(
        self,
        method: str,
        path: str,
        *,
        context: _Context | None = None,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        gone_ok: bool = False,
        expect_body: bool = False,
    ) -> Any:
        """One API call with retries; returns the parsed JSON body (None when empty).

        `idempotent` defaults to True for GET/PUT/DELETE/HEAD; pass True to opt a POST in. Other calls
        are retried only when the request certainly was not processed: the connection never opened,
        429 (a throttled request is rejected before it is handled), or 401 once after a token refresh.
        `gone_ok`: a 404 on a retry after an ambiguous failure counts as success (a DELETE that went
        through although its answer was lost).
        A success whose body is not JSON (or, with `expect_body`, not a JSON object) is an
        `AmcInvalidResponseError`, retried like a 5xx: only when the call is idempotent.
        """
        return self._send(
            method,
            path,
            context=context,
            params=params,
            body=body,
            idempotent=idempotent,
            gone_ok=gone_ok,
            expect_body=expect_body,
        )

    def _headers(self, token: str, context: _Context | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            HEADER_CLIENT_ID: self.token_provider.client_id,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if context is not None:
            headers.update(context.headers())
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        context: _Context | None,
        params: Mapping[str, str | int] | None,
        body: Any,
        idempotent: bool | None,
        gone_ok: bool = False,
        expect_body: bool = False,
    ) -> Any:
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        policy = self.retry
        url = self.base_url + path
        start = policy.clock()
        attempt = 0
        refreshed = False
        ambiguous = False
        while True:
            attempt += 1
            token = self.token_provider.get_access_token()
            error: AmcError
            retry_after: float | None = None
            try:
                response = self._http.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    json=body,
                    headers=self._headers(token, context),
                )
            except httpx.TransportError as exc:
                # Only a failed connect guarantees the request never left this process.
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                error = AmcTransportError(
                    redact(f"{type(exc).__name__}: {exc}", self.token_provider.secret_values()),
                    method=method,
                    url=path,
                    sent=sent,
                )
                retryable = idempotent or not sent
                ambiguous = ambiguous or sent
            else:
                status = response.status_code
                if status == 401 and not refreshed:
                    # A revoked/expired token: refresh once, without counting an attempt.
                    refreshed = True
                    attempt -= 1
                    self.token_provider.invalidate(token)
                    logger.info("AMC %s %s -> 401; refreshing the access token once", method, path)
                    continue
                if status == 404 and gone_ok and ambiguous:
                    logger.debug("AMC %s %s -> 404 after an ambiguous failure: gone", method, path)
                    return _read_body(response, expect_body=False)[0]
                if response.is_success:
                    data, problem = _read_body(response, expect_body=expect_body)
                    if problem is None:
                        logger.debug("AMC %s %s -> %d", method, path, status)
                        return data
                    # The request was handled (2xx) but its answer is lost: as ambiguous as a 5xx.
                    error = invalid_response(response, problem, method=method, path=path)
                    ambiguous = True
                    retryable = idempotent
                else:
                    error = error_from_response(
                        response, secrets=self.token_provider.secret_values(), path=path
                    )
                    ambiguous = ambiguous or status >= 500
                    retryable = status in policy.retry_statuses and (idempotent or status == 429)
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
            if not retryable or attempt >= policy.max_attempts:
                raise error
            delay = policy.delay(attempt, retry_after)
            elapsed = policy.clock() - start
            if delay is None or elapsed + delay > policy.max_total_seconds:
                logger.warning(
                    "AMC %s %s: giving up after %d attempts (%s)", method, path, attempt, _short(error)
                )
                raise error
            logger.warning(
                "AMC %s %s failed (%s); retry %d/%d in %.2fs",
                method,
                path,
                _short(error),
                attempt,
                policy.max_attempts - 1,
                delay,
            )
            policy.sleep(delay)

    def _paginate(
        self,
        method: str,
        path: str,
        key: str,
        *,
        context: _Context | None,
        params: Mapping[str, str | int] | None = None,
        page_size: int | None = None,
        page_size_param: str = "maxResults",
    ) -> Iterator[dict[str, Any]]:
        """Follow `nextToken` (a query parameter, spec B.3/B.10) until the last page."""
        base = dict(params or {})
        if page_size is not None:
            base[page_size_param] = page_size
        seen: set[str] = set()
        next_token: str | None = None
        pages = 0
        while True:
            query = dict(base)
            if next_token:
                query["nextToken"] = next_token
            data = self.call(method, path, context=context, params=query, idempotent=True, expect_body=True)
            pages += 1
            items = data.get(key) or []
            # A page that cannot be read in full fails the listing: callers decide "no such upload yet"
            # from it, so a half-read page must not look like a short one.
            if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
                raise AmcInvalidResponseError(
                    200, "InvalidResponse", f"{key!r} is not a list of objects", method=method, path=path
                )
            yield from (dict(item) for item in items)
            next_token = data.get("nextToken")
            if not next_token:
                logger.debug("AMC %s %s: %d page(s)", method, path, pages)
                return
            if next_token in seen:
                raise AmcApiError(
                    200, "PaginationLoop", "the server repeated a nextToken", method=method, path=path
                )
            seen.add(next_token)


def _short(error: AmcError) -> str:
    if isinstance(error, AmcApiError):
        return f"HTTP {error.status}" + (f" {error.code}" if error.code else "")
    return type(error).__name__


class InstanceClient:
    """Advertiser-data endpoints of one AMC instance (spec B.3-B.13)."""

    def __init__(self, client: AmcClient, instance_id: str, context: _Context) -> None:
        self.client = client
        self.instance_id = instance_id
        self._context = context
        self._root = f"/amc/advertiserData/{_seg(instance_id)}"

    def __repr__(self) -> str:
        return (
            f"InstanceClient(instance_id={self.instance_id!r}, "
            f"advertiser_id={self._context.advertiser_id!r}, "
            f"marketplace_id={self._context.marketplace_id!r}, "
            f"ads_account_id={self._context.ads_account_id!r})"
        )

    @property
    def advertiser_id(self) -> str | None:
        return self._context.advertiser_id

    @property
    def marketplace_id(self) -> str | None:
        return self._context.marketplace_id

    @property
    def ads_account_id(self) -> str | None:
        return self._context.ads_account_id

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        gone_ok: bool = False,
        expect_body: bool = False,
    ) -> Any:
        return self.client.call(
            method,
            self._root + path,
            context=self._context,
            params=params,
            body=body,
            idempotent=idempotent,
            gone_ok=gone_ok,
            expect_body=expect_body,
        )

    def _pages(
        self, path: str, key: str, params: Mapping[str, str | int] | None, page_size: int | None
    ) -> Iterator[dict[str, Any]]:
        return self.client._paginate(
            "POST", self._root + path, key, context=self._context, params=params, page_size=page_size
        )

    # datasets (spec B.3-B.7)
    def iter_datasets(self, *, page_size: int | None = None) -> Iterator[DataSet]:
        for item in self._pages("/dataSets/list", "dataSets", None, page_size):
            yield _parse(DataSet, item, method="POST", path=self._root + "/dataSets/list")

    def list_datasets(self, *, page_size: int | None = None) -> list[DataSet]:
        return list(self.iter_datasets(page_size=page_size))

    def get_dataset(self, dataset_id: str) -> DataSet:
        path = f"/dataSets/{_seg(dataset_id)}"
        data = self._call("GET", path, expect_body=True)
        return _unwrap_dataset(data, method="GET", path=self._root + path)

    def create_dataset(self, dataset: DataSet) -> DataSetRef:
        """POST .../dataSets. Not retried after it may have reached the server: a repeat would only
        answer 409, so an ambiguous failure is raised and `get_dataset` tells the truth."""
        data = self._call("POST", "/dataSets", body={"dataSet": dataset.to_request()}, idempotent=False)
        ref = _parse(
            DataSetRef,
            data or {"dataSetId": dataset.data_set_id, "instanceId": self.instance_id},
            method="POST",
            path=self._root + "/dataSets",
        )
        logger.info("dataset %s created in instance %s", dataset.data_set_id, self.instance_id)
        return ref

    def update_dataset(
        self, dataset_id: str, *, description: str | None = None, country_code: str | None = None
    ) -> DataSet | None:
        """PUT .../dataSets/{id}: only description and countryCode can change (spec B.6)."""
        body = {
            k: v for k, v in (("description", description), ("countryCode", country_code)) if v is not None
        }
        if not body:
            raise AmcConfigError("update_dataset needs description and/or country_code")
        data = self._call("PUT", f"/dataSets/{_seg(dataset_id)}", body=body)
        return _unwrap_dataset(data) if data else None

    def delete_dataset(self, dataset_id: str) -> DataSetRef:
        """DELETE .../dataSets/{id}: irreversible, deletes all uploaded data (spec B.7)."""
        data = self._call("DELETE", f"/dataSets/{_seg(dataset_id)}", gone_ok=True)
        if isinstance(data, Mapping) and data.get("code"):
            data = None  # the 404 body of a delete that had already gone through
        logger.info("dataset %s deleted from instance %s", dataset_id, self.instance_id)
        return DataSetRef.model_validate(data or {"dataSetId": dataset_id, "instanceId": self.instance_id})

    # columns (spec B.8)
    def add_column(self, dataset_id: str, column: Column | ColumnDefinition) -> DataSet | None:
        col = _to_column(column) if isinstance(column, ColumnDefinition) else column
        data = self._call(
            "POST",
            f"/dataSets/{_seg(dataset_id)}/columns",
            body={"column": col.to_request()},
            idempotent=False,
        )
        return _unwrap_dataset(data) if data else None

    def update_column(
        self,
        dataset_id: str,
        column_name: str,
        *,
        new_name: str | None = None,
        description: str | None = None,
    ) -> DataSet | None:
        body = {
            k: v
            for k, v in (("updatedColumnName", new_name), ("updateDescription", description))
            if v is not None
        }
        if not body:
            raise AmcConfigError("update_column needs new_name and/or description")
        data = self._call("PUT", f"/dataSets/{_seg(dataset_id)}/columns/{_seg(column_name)}", body=body)
        return _unwrap_dataset(data) if data else None

    def delete_column(self, dataset_id: str, column_name: str) -> DataSet | None:
        data = self._call("DELETE", f"/dataSets/{_seg(dataset_id)}/columns/{_seg(column_name)}", gone_ok=True)
        if not isinstance(data, Mapping) or data.get("code"):
            return None
        return _unwrap_dataset(data)

    # uploads (spec B.9-B.12)
    def create_upload(
        self, dataset_id: str, request: UploadRequest, *, dedupe: bool = True
    ) -> CreateUploadResponse:
        """POST .../uploads/{dataSetId}, never duplicated.

        Throttling (429) and failed connects are retried like everywhere. A 5xx, a lost answer or a
        success whose body cannot be read is ambiguous: AMC may have created the upload. With `dedupe`
        (default) the uploads of this dataset with the same data source are listed once before the
        first attempt; after an ambiguous failure the list is read again and an upload that was not
        there before is returned instead of posting again. A list that cannot be read raises (fail
        closed: posting without knowing could duplicate the upload). Without `dedupe`, ambiguous
        failures are raised.
        """
        path = f"/uploads/{_seg(dataset_id)}"
        body = request.to_wire()
        known: set[str] = set()
        if dedupe:
            known = {u.upload_id for u in self._matching_uploads(dataset_id, request)}
        policy = self.client.retry
        start = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                data = self._call("POST", path, body=body, idempotent=False, expect_body=True)
                response = _parse(CreateUploadResponse, data, method="POST", path=self._root + path)
            except (AmcServerError, AmcInvalidResponseError, AmcTransportError) as exc:
                ambiguous = not isinstance(exc, AmcTransportError) or exc.sent
                if not (dedupe and ambiguous):
                    raise
                if isinstance(exc, AmcServerError) and exc.status not in policy.retry_statuses:
                    raise
                if attempt >= policy.max_attempts:
                    raise
                delay = policy.backoff(attempt)
                if policy.clock() - start + delay > policy.max_total_seconds:
                    raise
                logger.warning(
                    "create upload for dataset %s: ambiguous failure (%s); checking the upload list",
                    dataset_id,
                    _short(exc),
                )
                policy.sleep(delay)
                fresh = (u for u in self.iter_uploads(dataset_id) if u.upload_id not in known)
                created = upload_for_source(fresh, request.data_source)
                if created is not None:
                    logger.info(
                        "upload %s was created despite the failure; not posting again", created.upload_id
                    )
                    return CreateUploadResponse(upload_id=created.upload_id, status=created.status)
                continue
            logger.info("upload %s created for dataset %s", response.upload_id, dataset_id)
            return response

    def _matching_uploads(self, dataset_id: str, request: UploadRequest) -> list[Upload]:
        return [u for u in self.iter_uploads(dataset_id) if request.data_source.same_source(u.data_source)]

    def find_manifest_upload(self, dataset_id: str, bucket: str, manifest_key: str) -> Upload | None:
        """The upload that stands for this manifest (`amc_client.uploads.adopts_status`), if any."""
        return upload_for_source(self.iter_uploads(dataset_id), manifest_source(bucket, manifest_key))

    def get_upload(self, dataset_id: str, upload_id: str) -> Upload:
        path = f"/uploads/{_seg(dataset_id)}/{_seg(upload_id)}"
        data = self._call("GET", path, expect_body=True)
        if isinstance(data.get("upload"), Mapping):
            data = data["upload"]
        return _parse(Upload, data, method="GET", path=self._root + path)

    def iter_uploads(
        self, dataset_id: str | None = None, *, status: str | None = None, page_size: int | None = None
    ) -> Iterator[Upload]:
        params: dict[str, str | int] = {}
        if dataset_id:
            params["dataSetId"] = dataset_id
        if status:
            params["status"] = status
        for item in self._pages("/uploads/list", "uploads", params, page_size):
            yield _parse(Upload, item, method="POST", path=self._root + "/uploads/list")

    def list_uploads(
        self, dataset_id: str | None = None, *, status: str | None = None, page_size: int | None = None
    ) -> list[Upload]:
        return list(self.iter_uploads(dataset_id, status=status, page_size=page_size))

    def wait_for_upload(
        self,
        dataset_id: str,
        upload_id: str,
        *,
        timeout: float = 3600.0,
        poll: float = 5.0,
        max_poll: float = 60.0,
        raise_on_failure: bool = False,
        on_status: Callable[[Upload], None] | None = None,
        not_found_grace: float = 60.0,
    ) -> Upload:
        """Poll until SUCCESS/COMPLETED or FAILED (spec B.12); the interval grows 1.5x up to `max_poll`.

        Returns the upload (with `message` and `metrics`); a FAILED upload is returned too unless
        `raise_on_failure`. Raises `AmcUploadTimeoutError` after `timeout` seconds. A 404 during the
        first `not_found_grace` seconds counts as pending (AMC asks to wait before polling, spec B.9).
        A poll that fails after its own retries (`TRANSIENT_ERRORS`: 5xx, 429, no answer, an unreadable
        body) is polled again at the next interval; when the time is up its error is raised.
        """
        policy = self.client.retry
        start = policy.clock()
        interval = poll
        last_status: str | None = None
        while True:
            try:
                upload = self.get_upload(dataset_id, upload_id)
            except AmcNotFoundError:
                if policy.clock() - start >= not_found_grace:
                    raise
                upload = Upload(upload_id=upload_id, data_set_id=dataset_id, status=None)
            except TRANSIENT_ERRORS as exc:
                elapsed = policy.clock() - start
                if elapsed >= timeout:
                    raise
                logger.warning("upload %s: status poll failed (%s); polling again", upload_id, _short(exc))
                policy.sleep(min(interval, timeout - elapsed))
                interval = min(max_poll, interval * 1.5)
                continue
            if upload.status != last_status:
                logger.info("upload %s: %s", upload_id, upload.status)
                last_status = upload.status
                if on_status is not None:
                    on_status(upload)
            if upload.is_terminal:
                if upload.failed and raise_on_failure:
                    raise AmcUploadFailedError(upload)
                return upload
            elapsed = policy.clock() - start
            if elapsed >= timeout:
                raise AmcUploadTimeoutError(upload_id, upload.status, elapsed)
            policy.sleep(min(interval, timeout - elapsed))
            interval = min(max_poll, interval * 1.5)

    # user deletion requests (spec B.13)
    def create_user_deletion_request(self, identities: Sequence[Mapping[str, Any]]) -> UserDeletionRequestRef:
        """Up to 1000 identities: `{"type": <ExternalIdentityType>, "value": ...}` or a map of hashed PII
        type -> 64-hex hash for one person.

        Retried like an idempotent call (5xx and lost answers too): deleting the same people twice has the
        effect of deleting them once, while giving up would leave them in AMC. The worst case of a retry is
        a second request id for the same identities.
        """
        if not identities or len(identities) > MAX_DELETION_IDENTITIES:
            raise AmcConfigError(f"a user deletion request takes 1 to {MAX_DELETION_IDENTITIES} identities")
        data = self._call(
            "POST",
            "/userDeletionRequest",
            body={"targetIdentities": [dict(i) for i in identities]},
            idempotent=True,
            expect_body=True,
        )
        return _parse(UserDeletionRequestRef, data, method="POST", path=self._root + "/userDeletionRequest")

    def get_user_deletion_request(self, request_id: str) -> UserDeletion:
        path = f"/userDeletionRequest/{_seg(request_id)}"
        data = self._call("GET", path, expect_body=True)
        for key in ("identityDeletion", "userDeletion", "userDeletionRequest"):
            if isinstance(data.get(key), Mapping):
                data = data[key]
                break
        return _parse(UserDeletion, data, method="GET", path=self._root + path)

    def iter_user_deletion_requests(self, *, page_size: int | None = None) -> Iterator[UserDeletion]:
        for item in self._pages("/userDeletionRequest/list", "userDeletions", None, page_size):
            yield _parse(UserDeletion, item, method="POST", path=self._root + "/userDeletionRequest/list")

    def list_user_deletion_requests(self, *, page_size: int | None = None) -> list[UserDeletion]:
        return list(self.iter_user_deletion_requests(page_size=page_size))

    def wait_for_user_deletion_request(
        self, request_id: str, *, timeout: float = 3600.0, poll: float = 5.0, max_poll: float = 60.0
    ) -> UserDeletion:
        """Poll until the request leaves PENDING (the interval grows 1.5x up to `max_poll`).

        Returns the request with its last status; after `timeout` seconds that may still be PENDING (the
        caller reports it: a deletion cannot fail on our side by waiting less).
        """
        policy = self.client.retry
        start = policy.clock()
        interval = poll
        while True:
            deletion = self.get_user_deletion_request(request_id)
            elapsed = policy.clock() - start
            if not deletion.pending or elapsed >= timeout:
                logger.info("user deletion request %s: %s", request_id, deletion.status)
                return deletion
            policy.sleep(min(interval, timeout - elapsed))
            interval = min(max_poll, interval * 1.5)


def _unwrap_dataset(data: Any, *, method: str | None = None, path: str | None = None) -> DataSet:
    # Spec B.4: `{"dataSet": {...}}`; one reference mock returns the object unwrapped.
    if isinstance(data, Mapping) and isinstance(data.get("dataSet"), Mapping):
        data = data["dataSet"]
    return _parse(DataSet, data, method=method, path=path)
