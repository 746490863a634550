"""Client policy over `httpx.MockTransport`: headers, retries (exact counts, Retry-After, backoff bounds,
total time), idempotency, 401 refresh, pagination, create-upload dedupe, waiter."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from amc_client import (
    AmcAuthError,
    AmcClient,
    AmcConfigError,
    AmcNotFoundError,
    AmcServerError,
    AmcThrottledError,
    AmcTransportError,
    AmcUploadFailedError,
    AmcUploadTimeoutError,
    AmcValidationError,
    ColumnDefinition,
    RetryPolicy,
    UploadRequest,
    build_dataset,
)
from tests.client.fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    FakeAmc,
    FakeClock,
    body_of,
    ok,
    settings,
)

UPLOAD = UploadRequest.from_manifest("bucket", "amc/ds/job1/amcunit01/manifest.txt", "CSV", country_code="US")


def scripted(*responses: httpx.Response | Exception) -> tuple[FakeAmc, list[httpx.Response | Exception]]:
    queue = list(responses)

    def api(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return FakeAmc(api), queue


def test_headers_per_spec_a4() -> None:
    fake, _ = scripted(ok({"dataSets": []}))
    client = AmcClient(settings(ads_account_id="amzn1.ads-account.g.1"), transport=httpx.MockTransport(fake))
    client.for_instance().list_datasets()
    (request,) = fake.requests
    assert request.method == "POST"
    assert request.url.path == "/amc/advertiserData/amcunit01/dataSets/list"
    h = request.headers
    assert h["Authorization"] == f"Bearer {fake.issued[0]}"
    assert h["Amazon-Advertising-API-ClientId"] == CLIENT_ID
    assert h["Amazon-Advertising-API-AdvertiserId"] == "ENTITYUNIT1"
    assert h["Amazon-Advertising-API-MarketplaceId"] == "ATVPDKIKX0DER"
    assert h["Amazon-Ads-AccountId"] == "amzn1.ads-account.g.1"


def test_ads_account_header_only_when_configured_and_per_instance() -> None:
    fake, _ = scripted(ok({"dataSets": []}))
    client = fake.client()
    client.for_instance("amcunit02").list_datasets()
    client.for_instance("amcunit03", ads_account_id="acct-3", advertiser_id="ENT3").list_datasets()
    first, second = fake.requests
    assert "Amazon-Ads-AccountId" not in first.headers
    assert second.headers["Amazon-Ads-AccountId"] == "acct-3"
    assert second.headers["Amazon-Advertising-API-AdvertiserId"] == "ENT3"
    assert second.url.path.startswith("/amc/advertiserData/amcunit03/")


def test_accounts_send_only_client_id_and_auth() -> None:
    fake, _ = scripted(ok({"amcAccounts": [{"accountId": "E1", "accountName": "n", "marketplaceId": "M"}]}))
    accounts = fake.client().list_accounts()
    assert [a.account_id for a in accounts] == ["E1"]
    h = fake.requests[0].headers
    assert "Amazon-Advertising-API-AdvertiserId" not in h and "Amazon-Advertising-API-MarketplaceId" not in h
    assert h["Amazon-Advertising-API-ClientId"] == CLIENT_ID


def test_path_ids_are_quoted() -> None:
    fake, _ = scripted(ok({"dataSet": {"dataSetId": "x", "columns": []}}))
    fake.client().for_instance().get_dataset("a/b?c")
    assert fake.requests[0].url.raw_path == b"/amc/advertiserData/amcunit01/dataSets/a%2Fb%3Fc"


def test_for_instance_needs_ids() -> None:
    client = AmcClient(
        settings(instance_id=None, advertiser_id=None), transport=httpx.MockTransport(lambda r: ok())
    )
    with pytest.raises(AmcConfigError, match="AMC_INSTANCE_ID"):
        client.for_instance()
    with pytest.raises(AmcConfigError, match="advertiser_id"):
        client.for_instance("amc1")


def test_no_credentials_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AmcConfigError, match="AMC_CLIENT_ID"):
        AmcClient(settings(client_id=None, client_secret=None))


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_get_retried_until_success_exact_attempts(status: int) -> None:
    fake, _ = scripted(
        ok({"code": "X"}, status), ok({"code": "X"}, status), ok({"dataSet": {"dataSetId": "d"}})
    )
    clock = FakeClock()
    ds = fake.client(clock).for_instance().get_dataset("d")
    assert ds.data_set_id == "d"
    assert len(fake.requests) == 3
    assert len(clock.sleeps) == 2


def test_gives_up_after_max_attempts() -> None:
    fake, _ = scripted(ok({"code": "InternalError", "details": "boom"}, 500))
    clock = FakeClock()
    with pytest.raises(AmcServerError, match="HTTP 500 InternalError: boom"):
        fake.client(clock, max_attempts=4).for_instance().get_dataset("d")
    assert len(fake.requests) == 4
    assert len(clock.sleeps) == 3


def test_non_retryable_status_raises_at_once() -> None:
    fake, _ = scripted(ok({"code": "NotFound", "details": "no dataset"}, 404))
    with pytest.raises(AmcNotFoundError):
        fake.client().for_instance().get_dataset("d")
    assert len(fake.requests) == 1


def test_retry_after_honoured_exactly() -> None:
    fake, _ = scripted(
        ok({"code": "TooManyRequests"}, 429, **{"Retry-After": "7"}),
        ok({"code": "TooManyRequests"}, 429, **{"Retry-After": "0"}),
        ok({"dataSets": []}),
    )
    clock = FakeClock()
    fake.client(clock).for_instance().list_datasets()
    assert clock.sleeps == [7.0, 0.0]


def test_retry_after_beyond_cap_gives_up() -> None:
    fake, _ = scripted(ok({"code": "TooManyRequests"}, 429, **{"Retry-After": "3600"}))
    clock = FakeClock()
    with pytest.raises(AmcThrottledError) as info:
        fake.client(clock, max_retry_after=60).for_instance().list_datasets()
    assert info.value.retry_after == 3600
    assert clock.sleeps == [] and len(fake.requests) == 1


def test_backoff_doubles_within_jitter_bounds() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 0.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 0.999999)
    assert [round(policy.backoff(n), 3) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_real_jitter_stays_in_bounds() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    for n in range(1, 8):
        cap = min(8.0, 2 ** (n - 1))
        draws = [policy.backoff(n) for _ in range(200)]
        assert all(cap / 2 <= d <= cap for d in draws)
        assert len(set(draws)) > 1  # jitter, not a constant


def test_sleeps_follow_backoff_schedule() -> None:
    fake, _ = scripted(ok({}, 503))
    clock = FakeClock()
    with pytest.raises(AmcServerError):
        fake.client(clock, max_attempts=5, base_delay=1.0, max_delay=3.0).for_instance().get_dataset("d")
    # random() = 0.5 -> 3/4 of the cap; caps 1, 2, 3, 3.
    assert clock.sleeps == [0.75, 1.5, 2.25, 2.25]


def test_total_time_bound() -> None:
    fake, _ = scripted(ok({}, 500))
    clock = FakeClock()
    with pytest.raises(AmcServerError):
        fake.client(
            clock, max_attempts=50, base_delay=1.0, max_delay=10.0, max_total_seconds=20.0
        ).for_instance().get_dataset("d")
    assert sum(clock.sleeps) <= 20.0
    assert len(fake.requests) == len(clock.sleeps) + 1 < 50


def test_post_create_dataset_not_retried_on_5xx() -> None:
    fake, _ = scripted(ok({"code": "InternalError"}, 500), ok({"dataSetId": "d", "instanceId": "amcunit01"}))
    ds = build_dataset("d_one", [ColumnDefinition(name="a")])
    with pytest.raises(AmcServerError):
        fake.client().for_instance().create_dataset(ds)
    assert len(fake.requests) == 1


def test_post_retried_on_429_and_connect_error() -> None:
    fake, _ = scripted(
        ok({"code": "TooManyRequests"}, 429),
        httpx.ConnectError("refused"),
        ok({"dataSetId": "d_one", "instanceId": "amcunit01"}),
    )
    ref = fake.client().for_instance().create_dataset(build_dataset("d_one", [ColumnDefinition(name="a")]))
    assert ref.data_set_id == "d_one"
    assert len(fake.requests) == 3
    assert body_of(fake.requests[0])["dataSet"]["dataSetId"] == "d_one"


def test_post_read_timeout_not_retried() -> None:
    fake, _ = scripted(httpx.ReadTimeout("slow"), ok({"dataSetId": "d_one"}))
    with pytest.raises(AmcTransportError) as info:
        fake.client().for_instance().create_dataset(build_dataset("d_one", [ColumnDefinition(name="a")]))
    assert info.value.sent is True
    assert len(fake.requests) == 1


def test_get_transport_errors_retried() -> None:
    fake, _ = scripted(
        httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset"), ok({"dataSet": {"dataSetId": "d"}})
    )
    assert fake.client().for_instance().get_dataset("d").data_set_id == "d"
    assert len(fake.requests) == 3


def test_transport_error_exhausted() -> None:
    fake, _ = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(AmcTransportError, match="ConnectError") as info:
        fake.client(max_attempts=3).for_instance().get_dataset("d")
    assert info.value.sent is False
    assert len(fake.requests) == 3


def test_401_refreshes_token_once_then_succeeds() -> None:
    fake, _ = scripted(ok({"code": "Unauthorized"}, 401), ok({"dataSet": {"dataSetId": "d"}}))
    fake.client().for_instance().get_dataset("d")
    assert len(fake.token_requests) == 2
    first, second = fake.requests
    assert first.headers["Authorization"] != second.headers["Authorization"]
    assert second.headers["Authorization"] == f"Bearer {fake.issued[1]}"


def test_401_twice_raises_auth_error() -> None:
    fake, _ = scripted(ok({"code": "Unauthorized", "details": "Terms and conditions must be accepted"}, 401))
    with pytest.raises(AmcAuthError, match="Terms and conditions"):
        fake.client().for_instance().create_dataset(build_dataset("d_one", [ColumnDefinition(name="a")]))
    assert len(fake.requests) == 2 and len(fake.token_requests) == 2


def test_token_cached_across_calls() -> None:
    fake, _ = scripted(ok({"dataSets": []}))
    client = fake.client()
    for _ in range(5):
        client.for_instance().list_datasets()
    assert len(fake.token_requests) == 1 and len(fake.requests) == 5


def _paged(key: str, total: int, size: int) -> FakeAmc:
    def api(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("nextToken") or 0)
        items = [
            {"dataSetId": f"d{i:03d}", "uploadId": f"u{i:03d}", "columns": []}
            for i in range(start, min(total, start + size))
        ]
        body: dict[str, object] = {key: items}
        if start + size < total:
            body["nextToken"] = str(start + size)
        return ok(body)

    return FakeAmc(api)


def test_dataset_pagination_transparent() -> None:
    fake = _paged("dataSets", 23, 5)
    datasets = fake.client().for_instance().list_datasets(page_size=5)
    assert [d.data_set_id for d in datasets] == [f"d{i:03d}" for i in range(23)]
    assert len(fake.requests) == 5
    assert [r.url.params.get("maxResults") for r in fake.requests] == ["5"] * 5
    assert [r.url.params.get("nextToken") for r in fake.requests] == [None, "5", "10", "15", "20"]


def test_upload_pagination_keeps_filter() -> None:
    fake = _paged("uploads", 7, 3)
    uploads = fake.client().for_instance().list_uploads("ds_a")
    assert len(uploads) == 7
    assert {r.url.params.get("dataSetId") for r in fake.requests} == {"ds_a"}
    assert all(r.url.path.endswith("/uploads/list") and r.method == "POST" for r in fake.requests)


def test_pagination_loop_detected() -> None:
    fake, _ = scripted(ok({"dataSets": [], "nextToken": "same"}))
    with pytest.raises(Exception, match="PaginationLoop"):
        fake.client().for_instance().list_datasets()


def test_pagination_retries_a_failed_page() -> None:
    fake = _paged("dataSets", 6, 2)
    inner = fake.api
    failed: list[bool] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("nextToken") == "2" and not failed:
            failed.append(True)
            return ok({}, 504)
        return inner(request)

    fake.api = flaky
    assert len(fake.client().for_instance().list_datasets()) == 6
    assert len(fake.requests) == 4


class UploadServer:
    """Create-upload answers scripted; `created` mirrors what the server really stored."""

    def __init__(self, outcomes: list[tuple[bool, int]]) -> None:
        self.outcomes = outcomes  # (store it?, status returned)
        self.created: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/uploads/list"):
            return ok({"uploads": self.created})
        if request.method == "POST" and "/uploads/" in request.url.path:
            store, status = self.outcomes.pop(0)
            upload = {
                "uploadId": f"up-{len(self.created) + 1}",
                "status": "SUBMITTED",
                "dataSource": body_of(request)["dataSource"],
            }
            if store:
                self.created.append(upload)
            if status == 200:
                return ok({"uploadId": upload["uploadId"], "status": "SUBMITTED"})
            return ok({"code": "GatewayTimeout"}, status)
        raise AssertionError(request.url)


def _posts(fake: FakeAmc) -> int:
    return len([r for r in fake.requests if r.method == "POST" and not r.url.path.endswith("/list")])


def test_create_upload_lost_answer_not_duplicated() -> None:
    server = UploadServer([(True, 504)])  # stored, but the answer was a 504
    server.created.append(
        {
            "uploadId": "older",
            "status": "SUCCESS",
            "dataSource": {"sourceS3Bucket": "bucket", "sourceManifestS3Key": "other.txt"},
        }
    )
    fake = FakeAmc(server)
    result = fake.client().for_instance().create_upload("ds", UPLOAD)
    assert result.upload_id == "up-2"
    assert _posts(fake) == 1
    assert len(server.created) == 2


def test_create_upload_retried_when_not_stored() -> None:
    server = UploadServer([(False, 500), (False, 503), (True, 200)])
    fake = FakeAmc(server)
    result = fake.client().for_instance().create_upload("ds", UPLOAD)
    assert _posts(fake) == 3
    assert [u["uploadId"] for u in server.created] == [result.upload_id]


def test_create_upload_does_not_adopt_earlier_upload_of_same_manifest() -> None:
    server = UploadServer([(False, 500), (True, 200)])
    earlier = {"uploadId": "earlier", "status": "SUCCESS", "dataSource": UPLOAD.to_wire()["dataSource"]}
    server.created.append(earlier)
    fake = FakeAmc(server)
    result = fake.client().for_instance().create_upload("ds", UPLOAD)
    assert result.upload_id != "earlier"
    assert _posts(fake) == 2


def test_create_upload_without_dedupe_raises_on_5xx() -> None:
    server = UploadServer([(False, 500)])
    fake = FakeAmc(server)
    with pytest.raises(AmcServerError):
        fake.client().for_instance().create_upload("ds", UPLOAD, dedupe=False)
    assert _posts(fake) == 1
    assert not fake.api_requests(suffix="/uploads/list")


def test_create_upload_429_retried_without_list_check() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/list"):
            return ok({"uploads": []})
        if len(fake.api_requests("POST", "/uploads/ds")) == 1:
            return ok({"code": "TooManyRequests"}, 429, **{"Retry-After": "2"})
        return ok({"uploadId": "u1", "status": "SUBMITTED"})

    fake = FakeAmc(api)
    clock = FakeClock()
    assert fake.client(clock).for_instance().create_upload("ds", UPLOAD).upload_id == "u1"
    assert clock.sleeps == [2.0]
    body = body_of(fake.api_requests("POST", "/uploads/ds")[0])
    assert body == {
        "updateStrategy": "ADDITIVE",
        "compressionFormat": "GZIP",
        "countryCode": "US",
        "dataSource": {
            "sourceS3Bucket": "bucket",
            "sourceManifestS3Key": "amc/ds/job1/amcunit01/manifest.txt",
        },
        "fileFormat": {"csvDataFormat": {"fieldDelimiter": ",", "quoteCharacter": '"'}},
    }


def _statuses(*statuses: str) -> Iterator[httpx.Response]:
    for s in statuses:
        yield ok(
            {
                "upload": {
                    "uploadId": "u1",
                    "dataSetId": "ds",
                    "status": s,
                    "message": "m" if s == "FAILED" else None,
                    "metrics": {"OutputRowCount": 5},
                }
            }
        )


@pytest.mark.parametrize("final", ["SUCCESS", "COMPLETED"])
def test_waiter_success(final: str) -> None:
    answers = _statuses("SUBMITTED", "PENDING", "IN_PROGRESS", "IN_PROGRESS", final)
    fake = FakeAmc(lambda r: next(answers))
    clock = FakeClock()
    seen: list[str | None] = []
    upload = (
        fake.client(clock)
        .for_instance()
        .wait_for_upload("ds", "u1", poll=2.0, max_poll=4.0, on_status=lambda u: seen.append(u.status))
    )
    assert upload.succeeded and upload.metrics == {"OutputRowCount": 5}
    assert clock.sleeps == [2.0, 3.0, 4.0, 4.0]
    assert seen == ["SUBMITTED", "PENDING", "IN_PROGRESS", final]


def test_waiter_failed_returns_or_raises() -> None:
    answers = _statuses("IN_PROGRESS", "FAILED")
    fake = FakeAmc(lambda r: next(answers))
    upload = fake.client().for_instance().wait_for_upload("ds", "u1", poll=1)
    assert upload.failed and upload.message == "m"
    answers2 = _statuses("FAILED")
    fake2 = FakeAmc(lambda r: next(answers2))
    with pytest.raises(AmcUploadFailedError, match="FAILED: m"):
        fake2.client().for_instance().wait_for_upload("ds", "u1", raise_on_failure=True)


def test_waiter_timeout() -> None:
    fake = FakeAmc(lambda r: ok({"upload": {"uploadId": "u1", "status": "IN_PROGRESS"}}))
    clock = FakeClock()
    with pytest.raises(AmcUploadTimeoutError, match="still IN_PROGRESS"):
        fake.client(clock).for_instance().wait_for_upload("ds", "u1", timeout=30, poll=5, max_poll=10)
    assert sum(clock.sleeps) == pytest.approx(30)


def test_columns_update_and_deletion_requests() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/userDeletionRequest"):
            return ok({"userDeletionRequestId": "del-1"})
        if "/userDeletionRequest/" in request.url.path and request.method == "GET":
            return ok(
                {
                    "identityDeletion": {
                        "userDeletionRequestId": "del-1",
                        "status": "PENDING",
                        "identityCount": 1,
                    }
                }
            )
        if request.url.path.endswith("/userDeletionRequest/list"):
            return ok({"userDeletions": [{"userDeletionRequestId": "del-1", "status": "SUCCEEDED"}]})
        return ok({"dataSet": {"dataSetId": "ds", "columns": []}})

    fake = FakeAmc(api)
    ic = fake.client().for_instance()
    ic.add_column("ds", ColumnDefinition(name="phone", pii_type="PHONE"))
    ic.update_column("ds", "old name", new_name="new_name", description="d")
    ic.delete_column("ds", "c1")
    ic.update_dataset("ds", description="hello")
    assert (
        ic.create_user_deletion_request([{"type": "MAID", "value": "abc"}]).user_deletion_request_id
        == "del-1"
    )
    assert ic.get_user_deletion_request("del-1").status == "PENDING"
    assert [d.status for d in ic.list_user_deletion_requests()] == ["SUCCEEDED"]
    calls = [(r.method, r.url.raw_path.decode(), body_of(r)) for r in fake.requests]
    root = "/amc/advertiserData/amcunit01"
    assert calls[0] == (
        "POST",
        f"{root}/dataSets/ds/columns",
        {
            "column": {
                "name": "phone",
                "description": "hashed Phone",
                "dataType": "STRING",
                "columnType": "DIMENSION",
                "nullable": True,
                "externalUserIdType": {"hashedPii": "PHONE"},
            }
        },
    )
    assert calls[1] == (
        "PUT",
        f"{root}/dataSets/ds/columns/old%20name",
        {"updatedColumnName": "new_name", "updateDescription": "d"},
    )
    assert calls[2] == ("DELETE", f"{root}/dataSets/ds/columns/c1", None)
    assert calls[3] == ("PUT", f"{root}/dataSets/ds", {"description": "hello"})
    assert calls[4] == (
        "POST",
        f"{root}/userDeletionRequest",
        {"targetIdentities": [{"type": "MAID", "value": "abc"}]},
    )


def test_validation_error_with_html_body_is_safe() -> None:
    fake, _ = scripted(httpx.Response(400, text="<html>bad</html>", headers={"content-type": "text/html"}))
    with pytest.raises(AmcValidationError, match=r"HTTP 400: non-JSON response body \(text/html, 16 bytes\)"):
        fake.client().for_instance().get_dataset("d")


def test_client_and_instance_reprs_hide_secrets() -> None:
    fake, _ = scripted(ok({"dataSets": []}))
    client = fake.client()
    ic = client.for_instance()
    ic.list_datasets()
    text = " ".join(repr(x) for x in (client, ic, client.settings, client.token_provider))
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, *fake.issued):
        assert secret not in text


def test_delete_whose_answer_was_lost_counts_as_done() -> None:
    fake, _ = scripted(
        ok({"code": "GatewayTimeout"}, 504), ok({"code": "NotFound", "details": "no such dataset"}, 404)
    )
    ref = fake.client().for_instance().delete_dataset("ds")
    assert (ref.data_set_id, ref.instance_id) == ("ds", "amcunit01")
    assert [r.method for r in fake.requests] == ["DELETE", "DELETE"]


def test_delete_of_missing_dataset_is_not_found() -> None:
    fake, _ = scripted(ok({"code": "NotFound"}, 404))
    with pytest.raises(AmcNotFoundError):
        fake.client().for_instance().delete_dataset("ds")


def test_instance_endpoints_need_advertiser_headers() -> None:
    fake, _ = scripted(ok({"instances": []}))
    client = AmcClient(settings(advertiser_id=None), transport=httpx.MockTransport(fake))
    with pytest.raises(AmcConfigError, match="list instances: missing advertiser_id"):
        client.list_instances()
    assert client.list_instances(advertiser_id="E2") == []
    assert fake.requests[0].headers["Amazon-Advertising-API-AdvertiserId"] == "E2"


def test_waiter_tolerates_early_404() -> None:
    answers = iter(
        [
            ok({"code": "NotFound"}, 404),
            ok({"upload": {"uploadId": "u1", "status": "SUCCESS"}}),
        ]
    )
    fake = FakeAmc(lambda r: next(answers))
    assert fake.client().for_instance().wait_for_upload("ds", "u1", poll=1).succeeded
    late = FakeAmc(lambda r: ok({"code": "NotFound"}, 404))
    clock = FakeClock()
    with pytest.raises(AmcNotFoundError):
        late.client(clock).for_instance().wait_for_upload("ds", "u1", poll=10, not_found_grace=25)
    assert sum(clock.sleeps) >= 25


def test_deletion_request_is_retried_on_5xx_and_polled_to_succeeded() -> None:
    # Deleting people twice equals deleting them once: unlike other POSTs, a 5xx is retried.
    creates = iter([ok(status=503), ok({"userDeletionRequestId": "del-9"})])
    statuses = iter(["PENDING", "PENDING", "SUCCEEDED"])

    def api(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return next(creates)
        return ok({"identityDeletion": {"userDeletionRequestId": "del-9", "status": next(statuses)}})

    fake = FakeAmc(api)
    clock = FakeClock()
    ic = fake.client(clock).for_instance()
    assert ic.create_user_deletion_request([{"EMAIL": "a" * 64}]).user_deletion_request_id == "del-9"
    assert len(fake.api_requests("POST", "/userDeletionRequest")) == 2
    done = ic.wait_for_user_deletion_request("del-9", poll=2.0, max_poll=2.5)
    assert done.succeeded and not done.pending
    assert clock.sleeps[-2:] == [2.0, 2.5]
    with pytest.raises(AmcConfigError, match="1 to 1000"):
        ic.create_user_deletion_request([{"EMAIL": "a" * 64}] * 1001)


def test_deletion_wait_returns_pending_at_the_timeout() -> None:
    fake = FakeAmc(lambda r: ok({"identityDeletion": {"userDeletionRequestId": "d", "status": "PENDING"}}))
    clock = FakeClock()
    got = fake.client(clock).for_instance().wait_for_user_deletion_request("d", timeout=12, poll=5)
    assert got.pending and sum(clock.sleeps) == pytest.approx(12)
