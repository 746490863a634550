"""The client against the real AMC sandbox over HTTP: lifecycle, pagination, token refresh, every error
class, injected faults with exact attempt counts, and no duplicate uploads."""

from __future__ import annotations

import time

import httpx
import pytest

from amc_client import (
    AmcAuthError,
    AmcClient,
    AmcConflictError,
    AmcNotFoundError,
    AmcServerError,
    AmcThrottledError,
    AmcValidationError,
    ColumnDefinition,
    DataSet,
    StaticTokenProvider,
    UploadRequest,
    build_dataset,
)
from amc_sandbox import (
    SANDBOX_ADVERTISER_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_INSTANCE_ID,
    SANDBOX_MARKETPLACE_ID,
    SandboxServer,
)
from tests.client.sandbox_helpers import (
    PURCHASE_COLUMNS,
    Sleeps,
    admin_inject,
    admin_requests,
    make_bucket,
    purchase_rows,
    sandbox_client,
    sandbox_settings,
    stage_csv,
    unique,
)

pytestmark = pytest.mark.timeout(120)


def _calls(sandbox: SandboxServer, method: str, path_contains: str) -> list[dict[str, object]]:
    return sandbox.requests(method=method, path_contains=path_contains)


def test_accounts_and_instances(amc_sandbox_clean: SandboxServer) -> None:
    with sandbox_client(amc_sandbox_clean) as client:
        accounts = client.list_accounts()
        assert (SANDBOX_ADVERTISER_ID, SANDBOX_MARKETPLACE_ID) in {
            (a.account_id, a.marketplace_id) for a in accounts
        }
        instances = {i.instance_id: i for i in client.list_instances()}
        assert instances[SANDBOX_INSTANCE_ID].data_upload_aws_account_id == SANDBOX_DATA_UPLOAD_ACCOUNT_ID
        one = client.get_instance(SANDBOX_INSTANCE_ID)
        assert one.instance_id == SANDBOX_INSTANCE_ID and one.api_endpoint


def test_dataset_and_upload_lifecycle(amc_sandbox_clean: SandboxServer, moto_endpoint: str) -> None:
    sandbox = amc_sandbox_clean
    bucket = unique("lifecycle").replace("_", "-")
    s3 = make_bucket(moto_endpoint, bucket)
    dataset_id = unique("purchases")
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        dataset = build_dataset(dataset_id, PURCHASE_COLUMNS, description="Purchases", country_code="US")
        ref = ic.create_dataset(dataset)
        assert (ref.data_set_id, ref.instance_id) == (dataset_id, SANDBOX_INSTANCE_ID)

        got = ic.get_dataset(dataset_id)
        assert got.is_fact and got.period == "P1D" and got.country_code == "US"
        assert [c.name for c in got.columns][:2] == ["user_id", "user_type"]
        assert dataset_id in {d.data_set_id for d in ic.list_datasets()}

        with pytest.raises(AmcConflictError):
            ic.create_dataset(dataset)

        ic.update_dataset(dataset_id, description="Purchases v2")
        assert ic.get_dataset(dataset_id).description == "Purchases v2"
        ic.add_column(dataset_id, ColumnDefinition(name="store", description="Store"))
        ic.update_column(dataset_id, "store", description="Store name")
        ic.delete_column(dataset_id, "store")
        assert "store" not in {c.name for c in ic.get_dataset(dataset_id).columns}

        # A good upload: all rows ingested.
        manifest = stage_csv(
            s3, bucket, f"amc/{dataset_id}/job1/{SANDBOX_INSTANCE_ID}", purchase_rows(), SANDBOX_INSTANCE_ID
        )
        created = ic.create_upload(
            dataset_id, UploadRequest.from_manifest(bucket, manifest, "CSV", country_code="US")
        )
        done = ic.wait_for_upload(dataset_id, created.upload_id, timeout=30, poll=0.1, max_poll=0.3)
        assert done.succeeded, done.message
        assert done.metrics and done.metrics.get("OutputRowCount") == 3

        # Rows AMC rejects are dropped with a reason and counted.
        manifest2 = stage_csv(
            s3,
            bucket,
            f"amc/{dataset_id}/job2/{SANDBOX_INSTANCE_ID}",
            purchase_rows(bad_rows=2),
            SANDBOX_INSTANCE_ID,
        )
        second = ic.create_upload(dataset_id, UploadRequest.from_manifest(bucket, manifest2))
        done2 = ic.wait_for_upload(dataset_id, second.upload_id, timeout=30, poll=0.1, max_poll=0.3)
        assert done2.succeeded
        assert done2.metrics and done2.metrics.get("OutputRowCount") == 3
        dropped = done2.metrics.get("droppedRows")
        assert dropped and sum(d["rowCount"] for d in dropped) == 2
        assert "example.com" not in str(done2.metrics)

        # Untagged objects: AMC's data-upload account may not read them -> FAILED with a message.
        manifest3 = stage_csv(
            s3, bucket, f"amc/{dataset_id}/job3/{SANDBOX_INSTANCE_ID}", purchase_rows(), None
        )
        third = ic.create_upload(dataset_id, UploadRequest.from_manifest(bucket, manifest3))
        failed = ic.wait_for_upload(dataset_id, third.upload_id, timeout=30, poll=0.1, max_poll=0.3)
        assert failed.failed and failed.message and "instanceId" in failed.message

        uploads = ic.list_uploads(dataset_id)
        assert {u.upload_id for u in uploads} == {created.upload_id, second.upload_id, third.upload_id}
        assert ic.get_upload(dataset_id, created.upload_id).data_source is not None

        ic.delete_dataset(dataset_id)
        with pytest.raises(AmcNotFoundError, match="HTTP 404"):
            ic.get_dataset(dataset_id)


def test_dataset_pagination_over_many_pages(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    prefix = unique("page")
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        ids = [f"{prefix}_{i:02d}" for i in range(23)]
        for dataset_id in ids:
            ic.create_dataset(build_dataset(dataset_id, [ColumnDefinition(name="k")]))
        sandbox.clear_requests()
        listed = [d.data_set_id for d in ic.list_datasets(page_size=4)]
        assert len(listed) == len(set(listed))
        assert set(ids) <= set(listed)
        pages = len(_calls(sandbox, "POST", "/dataSets/list"))
        assert pages == -(-len(listed) // 4) and pages >= 6


def test_upload_pagination(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    dataset_id = unique("uppage")
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        ic.create_dataset(build_dataset(dataset_id, [ColumnDefinition(name="k")]))
        created = {
            ic.create_upload(
                dataset_id, UploadRequest.from_file("amc-missing-bucket", f"f{i}.csv.gz"), dedupe=False
            ).upload_id
            for i in range(11)
        }
        sandbox.clear_requests()
        listed = ic.list_uploads(dataset_id, page_size=3)
        assert {u.upload_id for u in listed} == created
        assert len(_calls(sandbox, "POST", "/uploads/list")) == 4


def test_token_refreshed_before_expiry(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    sandbox.set_token_lifetime(1)
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        ic.list_datasets()
        time.sleep(1.0)
        ic.list_datasets()
    assert len(_calls(sandbox, "POST", "/auth/o2/token")) == 2
    assert all(r["status"] == 200 for r in _calls(sandbox, "POST", "/dataSets/list"))


def test_token_refreshed_on_401(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        ic.list_datasets()
        assert sandbox.expire_access_tokens() >= 1
        ic.list_datasets()
    assert [r["status"] for r in _calls(sandbox, "POST", "/dataSets/list")] == [200, 401, 200]
    assert len(_calls(sandbox, "POST", "/auth/o2/token")) == 2


def test_unknown_refresh_token_is_auth_error(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    settings = sandbox_settings(sandbox, refresh_token="Atzr|never-issued")
    with sandbox_client(sandbox, settings=settings) as client, pytest.raises(AmcAuthError) as info:
        client.list_accounts()
    assert "Atzr|never-issued" not in str(info.value)
    assert info.value.code


def test_every_error_class(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    with sandbox_client(sandbox, max_attempts=2) as client:
        ic = client.for_instance()
        with pytest.raises(AmcValidationError) as bad:
            ic.create_dataset(DataSet(data_set_id="Bad-Id", columns=[]))
        assert bad.value.status == 400 and bad.value.request_id
        with pytest.raises(AmcNotFoundError):
            ic.get_upload("no_such_dataset", "no-such-upload")
        with pytest.raises(AmcAuthError):
            client.for_instance(SANDBOX_INSTANCE_ID, advertiser_id="ENTITYWRONG").list_datasets()
        sandbox.inject(method="GET", path_regex="/dataSets/", status=429, retry_after=3600, count=1)
        with pytest.raises(AmcThrottledError) as throttled:
            ic.get_dataset("anything")
        assert throttled.value.retry_after == 3600
        sandbox.inject(method="GET", path_regex="/dataSets/", status=502, empty_body=True, count=2)
        with pytest.raises(AmcServerError, match=r"HTTP 502.*empty response body"):
            ic.get_dataset("anything")
        sandbox.inject(
            method="GET", path_regex="/dataSets/", status=503, body_text="<html><b>down</b></html>", count=2
        )
        with pytest.raises(AmcServerError, match=r"non-JSON response body \(text/html"):
            ic.get_dataset("anything")
    static = AmcClient(
        sandbox_settings(sandbox), token_provider=StaticTokenProvider(SANDBOX_CLIENT_ID, "Atza|forged")
    )
    with pytest.raises(AmcAuthError) as forged:
        static.list_accounts()
    assert forged.value.status == 401 and "forged" not in str(forged.value)


def test_ads_account_header_reaches_instances_that_need_it(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    instance_id = unique("amcprod").replace("_", "")
    # Its own advertiser: the seeded advertiser's instance list stays as other tests expect it.
    advertiser = "ENTITYCLIENTTESTS"
    sandbox.add_instance(instance_id, account_id=advertiser, ads_account_id="amzn1.ads-account.g.prod")
    with sandbox_client(sandbox) as client:
        with pytest.raises(AmcAuthError, match="HTTP 403"):
            client.for_instance(instance_id, advertiser_id=advertiser).list_datasets()
        prod = client.for_instance(
            instance_id, advertiser_id=advertiser, ads_account_id="amzn1.ads-account.g.prod"
        )
        assert prod.list_datasets() == []
        assert [i.instance_id for i in client.list_instances(advertiser_id=advertiser)] == [instance_id]


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1), (500, None), (504, None)])
def test_injected_faults_exact_attempts(
    amc_sandbox_clean: SandboxServer, status: int, retry_after: int | None
) -> None:
    sandbox = amc_sandbox_clean
    sleeps = Sleeps()
    with sandbox_client(sandbox, sleeps=sleeps, max_attempts=5) as client:
        ic = client.for_instance()
        ic.list_datasets()  # token fetched, not part of the count
        sandbox.clear_requests()
        admin_inject(
            sandbox,
            {
                "method": "POST",
                "path_regex": "/dataSets/list$",
                "status": status,
                "retry_after": retry_after,
                "count": 2,
            },
        )
        ic.list_datasets()
    statuses = [r["status"] for r in admin_requests(sandbox, "POST", "/dataSets/list")]
    assert statuses == [status, status, 200]
    assert len(sleeps) == 2
    if retry_after is not None:
        assert sleeps == [1.0, 1.0]
    else:
        assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_persistent_fault_gives_up_after_max_attempts(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    sleeps = Sleeps()
    with sandbox_client(sandbox, sleeps=sleeps, max_attempts=4) as client:
        ic = client.for_instance()
        sandbox.inject(method="GET", path_regex="/dataSets/", status=504)
        with pytest.raises(AmcServerError, match="HTTP 504"):
            ic.get_dataset("x")
    assert len(_calls(sandbox, "GET", "/dataSets/")) == 4 and len(sleeps) == 3


def test_create_upload_retried_without_duplicates(amc_sandbox_clean: SandboxServer) -> None:
    sandbox = amc_sandbox_clean
    dataset_id = unique("dedupe")
    with sandbox_client(sandbox, max_attempts=5) as client:
        ic = client.for_instance()
        ic.create_dataset(build_dataset(dataset_id, [ColumnDefinition(name="k")]))
        sandbox.clear_requests()
        route = f"/uploads/{dataset_id}$"
        admin_inject(
            sandbox,
            {"method": "POST", "path_regex": route, "status": 500, "count": 1},
            {"method": "POST", "path_regex": route, "status": 504, "empty_body": True, "count": 1},
            {"method": "POST", "path_regex": route, "status": 429, "retry_after": 0, "count": 1},
        )
        created = ic.create_upload(
            dataset_id, UploadRequest.from_manifest("amc-test-bucket", f"amc/{dataset_id}/m.txt")
        )
        uploads = ic.list_uploads(dataset_id)
    assert [u.upload_id for u in uploads] == [created.upload_id]
    statuses = [r["status"] for r in admin_requests(sandbox, "POST", f"/uploads/{dataset_id}")]
    assert statuses == [500, 504, 429, 200]


def test_create_upload_lost_answer_is_not_repeated(amc_sandbox_clean: SandboxServer) -> None:
    """The server creates the upload but the answer never arrives (client timeout): the client finds it
    in the upload list instead of posting again."""
    sandbox = amc_sandbox_clean
    dataset_id = unique("lost")
    settings = sandbox_settings(sandbox, timeout_seconds=0.3)
    sleeps: list[float] = []

    def slow_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(1.0)  # the delayed request completes on the server meanwhile

    from amc_client import RetryPolicy

    client = AmcClient(settings, retry=RetryPolicy(sleep=slow_sleep, max_attempts=3))
    with client:
        ic = client.for_instance()
        ic.create_dataset(build_dataset(dataset_id, [ColumnDefinition(name="k")]))
        sandbox.inject(
            method="POST", path_regex=f"/uploads/{dataset_id}$", status=None, delay_seconds=0.6, count=1
        )
        created = ic.create_upload(
            dataset_id, UploadRequest.from_manifest("amc-test-bucket", f"amc/{dataset_id}/m.txt")
        )
        time.sleep(0.3)
        uploads = ic.list_uploads(dataset_id)
    assert [u.upload_id for u in uploads] == [created.upload_id]
    assert len(sleeps) == 1
    assert len(_calls(sandbox, "POST", f"/uploads/{dataset_id}")) == 1


def test_consent_round_trip(amc_sandbox_clean: SandboxServer) -> None:
    """Consent URL -> sandbox auto-approval -> code exchange with PKCE -> a working refresh token."""
    from urllib.parse import parse_qs, urlsplit

    from amc_client import InMemoryCredentialStore, LwaTokenProvider, generate_pkce, generate_state
    from amc_sandbox import SANDBOX_CLIENT_SECRET

    sandbox = amc_sandbox_clean
    store = InMemoryCredentialStore(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    client = AmcClient(
        sandbox_settings(sandbox), token_provider=LwaTokenProvider(store, token_url=sandbox.token_url)
    )
    pkce, state = generate_pkce(), generate_state()
    url = client.consent_url("http://localhost:9/redirect", state=state, code_challenge=pkce.challenge)
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code in (302, 303, 307)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == [state]
    assert isinstance(client.token_provider, LwaTokenProvider)
    client.token_provider.exchange_code(
        query["code"][0], "http://localhost:9/redirect", code_verifier=pkce.verifier
    )
    assert store.load().refresh_token is not None
    assert client.list_accounts()
    client.close()


def test_threads_share_one_token_and_refresh_once(amc_sandbox_clean: SandboxServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sandbox = amc_sandbox_clean
    with sandbox_client(sandbox) as client:
        ic = client.for_instance()
        with ThreadPoolExecutor(6) as pool:
            assert all(
                isinstance(r, list) for r in pool.map(lambda _: ic.list_datasets(page_size=50), range(12))
            )
        assert len(_calls(sandbox, "POST", "/auth/o2/token")) == 1
        sandbox.expire_access_tokens()
        with ThreadPoolExecutor(6) as pool:
            assert all(
                isinstance(r, list) for r in pool.map(lambda _: ic.list_datasets(page_size=50), range(12))
            )
    assert len(_calls(sandbox, "POST", "/auth/o2/token")) == 2


def test_user_deletion_requests(amc_sandbox_clean: SandboxServer) -> None:
    from tests.client.sandbox_helpers import EMAILS, sha

    with sandbox_client(amc_sandbox_clean) as client:
        ic = client.for_instance()
        ref = ic.create_user_deletion_request(
            [{"EMAIL": sha(EMAILS[0]), "FIRST_NAME": sha("jane")}, {"type": "MAID", "value": "ABC-123"}]
        )
        got = ic.get_user_deletion_request(ref.user_deletion_request_id)
        assert got.user_deletion_request_id == ref.user_deletion_request_id
        assert got.identity_count == 2 and got.status in {"PENDING", "SUCCEEDED"}
        assert ref.user_deletion_request_id in {
            d.user_deletion_request_id for d in ic.list_user_deletion_requests()
        }
        with pytest.raises(AmcValidationError, match="SHA-256"):
            ic.create_user_deletion_request([{"EMAIL": EMAILS[0]}])


def test_from_env_with_secrets_manager_credentials(
    amc_sandbox_clean: SandboxServer,
    aws_env: dict[str, str],
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lambda-style configuration: AMC_LWA_SECRET_ID instead of client id/secret/refresh token."""
    import json

    from amc_sandbox import SANDBOX_CLIENT_SECRET, SANDBOX_REFRESH_TOKEN
    from tests.fixtures.aws import aws_client

    secret_id = unique("amc-lwa")
    aws_client("secretsmanager", moto_endpoint).create_secret(
        Name=secret_id,
        SecretString=json.dumps(
            {
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "refresh_token": SANDBOX_REFRESH_TOKEN,
            }
        ),
    )
    for key, value in amc_sandbox_clean.env().items():
        monkeypatch.setenv(key, value)
    for key in ("AMC_CLIENT_ID", "AMC_CLIENT_SECRET", "AMC_REFRESH_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AMC_LWA_SECRET_ID", secret_id)
    with AmcClient.from_env() as client:
        assert SANDBOX_INSTANCE_ID in {i.instance_id for i in client.list_instances()}
        assert client.token_provider.client_id == SANDBOX_CLIENT_ID
