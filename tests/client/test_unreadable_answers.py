"""Success answers whose body cannot be read (issue 12, item 5): empty, HTML, not JSON, the wrong shape.

Each is an `AmcInvalidResponseError` (never a pydantic error), retried where the call is safe, and an
upload list that cannot be read never leads to a new upload.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from amc_client import (
    AmcInvalidResponseError,
    AmcServerError,
    DataSet,
    UploadRequest,
)
from tests.client.fakes import FakeAmc, FakeClock, body_of, ok

UPLOAD = UploadRequest.from_manifest("bucket", "amc/ds/job1/amcunit01/manifest.txt", "CSV", country_code="US")
SOURCE = UPLOAD.to_wire()["dataSource"]
HTML = "<html><body>Bad gateway</body></html>"


def empty() -> httpx.Response:
    return httpx.Response(200, content=b"")


def html() -> httpx.Response:
    return httpx.Response(200, text=HTML, headers={"content-type": "text/html"})


def not_an_object() -> httpx.Response:
    return httpx.Response(200, json=["uploads"])


UNREADABLE: dict[str, Callable[[], httpx.Response]] = {
    "empty": empty,
    "html": html,
    "json-list": not_an_object,
}


def then(*answers: Callable[[], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
    """Answer with each in turn, then keep answering with the last."""
    queue = list(answers)

    def api(request: httpx.Request) -> httpx.Response:
        return (queue.pop(0) if len(queue) > 1 else queue[0])()

    return api


def an_upload(status: str = "SUBMITTED") -> httpx.Response:
    return ok({"upload": {"uploadId": "u1", "dataSetId": "ds", "status": status}})


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_get_upload_unreadable_body_is_retried(kind: str) -> None:
    fake = FakeAmc(then(UNREADABLE[kind], an_upload))
    upload = fake.client().for_instance().get_upload("ds", "u1")
    assert upload.upload_id == "u1"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_get_upload_unreadable_body_until_retries_run_out(kind: str) -> None:
    fake = FakeAmc(then(UNREADABLE[kind]))
    with pytest.raises(AmcInvalidResponseError) as caught:
        fake.client(max_attempts=3).for_instance().get_upload("ds", "u1")
    assert len(fake.requests) == 3
    message = str(caught.value)
    assert "\n" not in message and "InvalidResponse" in message and "/uploads/ds/u1" in message
    assert "Bad gateway" not in message  # the body is described, never quoted


def test_wrong_shape_is_an_amc_error_not_a_pydantic_error() -> None:
    fake = FakeAmc(then(lambda: ok({"upload": {"status": "SUCCESS"}})))  # no uploadId
    with pytest.raises(AmcInvalidResponseError, match="not a Upload"):
        fake.client().for_instance().get_upload("ds", "u1")


def test_get_dataset_html_then_json() -> None:
    dataset = {"dataSet": {"dataSetId": "ds", "columns": []}}
    fake = FakeAmc(then(html, lambda: ok(dataset)))
    assert isinstance(fake.client().for_instance().get_dataset("ds"), DataSet)


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_upload_list_that_cannot_be_read_raises(kind: str) -> None:
    fake = FakeAmc(then(UNREADABLE[kind]))
    instance = fake.client(max_attempts=2).for_instance()
    with pytest.raises(AmcInvalidResponseError):
        instance.find_manifest_upload("ds", "bucket", SOURCE["sourceManifestS3Key"])
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    "page",
    [{"uploads": "none"}, {"uploads": [{"uploadId": "u1"}, "u2"]}, {"uploads": [{"status": "SUCCESS"}]}],
    ids=["not-a-list", "not-objects", "no-upload-id"],
)
def test_upload_list_page_with_unreadable_items_raises(page: dict[str, object]) -> None:
    fake = FakeAmc(then(lambda: ok(page)))
    with pytest.raises(AmcInvalidResponseError):
        fake.client().for_instance().list_uploads("ds")


def test_create_upload_fails_closed_when_the_list_cannot_be_read() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/uploads/list"):
            return empty()
        return ok({"uploadId": "new", "status": "SUBMITTED"})

    fake = FakeAmc(api)
    with pytest.raises(AmcInvalidResponseError):
        fake.client(max_attempts=2).for_instance().create_upload("ds", UPLOAD)
    assert not fake.api_requests("POST", "/uploads/ds")


class Uploads:
    """An upload endpoint whose create answers are scripted: (stored?, answer) per POST."""

    def __init__(self, script: list[tuple[bool, Callable[[], httpx.Response] | None]]) -> None:
        self.script = script
        self.created: list[dict[str, object]] = []
        self.list_answers: list[Callable[[], httpx.Response]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/uploads/list"):
            if self.list_answers:
                return self.list_answers.pop(0)()
            return ok({"uploads": self.created})
        store, answer = self.script.pop(0) if self.script else (True, None)
        upload = {
            "uploadId": f"up-{len(self.created) + 1}",
            "status": "SUBMITTED",
            "dataSource": body_of(request)["dataSource"],
        }
        if store:
            self.created.append(upload)
        return answer() if answer else ok({"uploadId": upload["uploadId"], "status": "SUBMITTED"})


@pytest.mark.parametrize("kind", [*sorted(UNREADABLE), "wrong-shape"])
@pytest.mark.parametrize("stored", [True, False], ids=["stored", "not-stored"])
def test_create_upload_unreadable_answer_never_duplicates(kind: str, stored: bool) -> None:
    answer = UNREADABLE.get(kind, lambda: ok({"status": "SUBMITTED"}))
    server = Uploads([(stored, answer)])
    fake = FakeAmc(server)
    result = fake.client().for_instance().create_upload("ds", UPLOAD)
    assert [u["uploadId"] for u in server.created] == [result.upload_id]
    assert len(fake.api_requests("POST", "/uploads/ds")) == (1 if stored else 2)


def test_create_upload_relist_that_cannot_be_read_raises() -> None:
    server = Uploads([(True, empty)])
    server.list_answers = [lambda: ok({"uploads": []}), *[empty] * 10]
    fake = FakeAmc(server)
    with pytest.raises(AmcInvalidResponseError):
        fake.client(max_attempts=3).for_instance().create_upload("ds", UPLOAD)
    assert len(fake.api_requests("POST", "/uploads/ds")) == 1
    assert len(server.created) == 1


def test_create_upload_without_dedupe_raises_on_unreadable_answer() -> None:
    server = Uploads([(True, html)])
    fake = FakeAmc(server)
    with pytest.raises(AmcInvalidResponseError):
        fake.client().for_instance().create_upload("ds", UPLOAD, dedupe=False)
    assert len(fake.api_requests("POST", "/uploads/ds")) == 1


def test_create_dataset_unreadable_answer_is_not_repeated() -> None:
    fake = FakeAmc(then(html))
    dataset = DataSet.model_validate({"dataSetId": "ds", "columns": []})
    with pytest.raises(AmcInvalidResponseError):
        fake.client().for_instance().create_dataset(dataset)
    assert len(fake.requests) == 1
    # An empty 2xx is a created dataset (AMC's documented answer carries the id, which we know).
    fake = FakeAmc(then(empty))
    assert fake.client().for_instance().create_dataset(dataset).data_set_id == "ds"


@pytest.mark.parametrize(
    "body", [b"", HTML.encode(), b'{"token_type": "bearer"}'], ids=["empty", "html", "no-token"]
)
def test_token_answer_that_cannot_be_read_is_retried(body: bytes) -> None:
    fake = FakeAmc(then(an_upload), token_answers=[httpx.Response(200, content=body)])
    assert fake.client().for_instance().get_upload("ds", "u1").upload_id == "u1"
    assert len(fake.token_requests) == 2


def test_token_answer_that_cannot_be_read_until_retries_run_out() -> None:
    fake = FakeAmc(then(an_upload), token_body={"token_type": "bearer"})
    with pytest.raises(AmcInvalidResponseError, match="lacks access_token"):
        fake.client(max_attempts=2).for_instance().get_upload("ds", "u1")
    assert len(fake.token_requests) == 2


def test_waiter_polls_again_after_a_failed_poll() -> None:
    failing = [lambda: ok({"code": "InternalServerError"}, 500)] * 4
    fake = FakeAmc(then(an_upload, *failing, empty, empty, lambda: an_upload("SUCCESS")))
    clock = FakeClock()
    upload = fake.client(clock, max_attempts=2).for_instance().wait_for_upload("ds", "u1", poll=1)
    assert upload.succeeded


def test_waiter_raises_the_last_error_when_the_time_is_up() -> None:
    fake = FakeAmc(then(lambda: ok({"code": "InternalServerError"}, 500)))
    clock = FakeClock()
    with pytest.raises(AmcServerError):
        fake.client(clock, max_attempts=2).for_instance().wait_for_upload("ds", "u1", timeout=20, poll=5)
    assert clock.now - 1000.0 >= 20
