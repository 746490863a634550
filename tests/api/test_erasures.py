"""Erasures through the API over HTTP (sandbox AMC, moto S3/DynamoDB): an admin sends a file's people as
user deletion requests, everyone sees the statuses reach SUCCEEDED; bad requests are one-line errors;
no clear text in any answer or in what reached AMC."""

from __future__ import annotations

import time
import uuid

import pytest

from amc_normalize import hash_value
from amc_sandbox import SANDBOX_INSTANCE_ID
from tests.api.conftest import ApiEnv

pytestmark = pytest.mark.timeout(120)

ERASE_CSV = (
    "email,phone,zip,country\n"
    "Zebulon.Q@Example.com,030 1234567,10115,Deutschland\n"
    "nobody,12,?,US\n"
    "p.outerbridge@example.org,(206) 555-0199,98004,\n"
    "not-an-email,,,FR\n"
)
CLEAR = ["Zebulon.Q@Example.com", "zebulon.q@example.com", "030 1234567", "p.outerbridge@example.org"]
PII = {"email": "EMAIL", "phone": "PHONE", "zip": "ZIP"}


def _put(api_env: ApiEnv, body: str = ERASE_CSV) -> str:
    key = f"erasures/{uuid.uuid4().hex[:8]}/people.csv"
    api_env.put_file(key, body)
    return key


def test_admin_erases_a_file_and_everyone_sees_it_succeed(api_env: ApiEnv) -> None:
    key = _put(api_env)
    api_env.sandbox.clear_requests()
    body = {
        "sourceKey": key,
        "pii": PII,
        "countryCode": "US",
        "countryColumn": "country",
        "instanceIds": [SANDBOX_INSTANCE_ID],
    }
    with api_env.client("user") as c:
        assert c.post("/api/erasures", json=body).status_code == 403
    with api_env.client() as c:
        created = c.post("/api/erasures", json=body)
    assert created.status_code == 201, created.text
    erasure = created.json()
    report = erasure["report"]
    assert report["rows"] == 4 and report["identities"] == 2
    assert report["withoutIdentifiers"] == 2 and report["linesWithoutIdentifiers"] == [3, 5]
    assert report["columns"]["email"]["invalidByReason"] == {"email.no_at": 2}
    assert report["countries"] == {"DE": 1, "FR": 1, "US": 2}
    [request] = erasure["requests"]
    assert request["instanceId"] == SANDBOX_INSTANCE_ID and request["identityCount"] == 2
    assert request["requestId"] and erasure["status"] in ("PENDING", "SUCCEEDED")

    deadline = time.monotonic() + 20
    with api_env.client("user") as c:
        while True:
            got = c.get(f"/api/erasures/{erasure['erasureId']}").json()
            if got["status"] != "PENDING" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        listed = c.get("/api/erasures").json()["items"]
    assert got["status"] == "SUCCEEDED" and got["requests"][0]["status"] == "SUCCEEDED"
    assert erasure["erasureId"] in [e["erasureId"] for e in listed]

    # AMC got the hashes of each person by their own country's rules.
    amc = api_env.backend.amc.deletion_target(api_env.backend.settings_repo.get_instance(SANDBOX_INSTANCE_ID))
    assert amc.get_user_deletion_request(request["requestId"]).identity_count == 2
    assert hash_value("030 1234567", "PHONE", "DE") != hash_value("030 1234567", "PHONE", "US")
    text = created.text + str(got) + str(listed)
    assert not [v for v in CLEAR if v in text]


def test_default_instances_are_the_registered_ones(api_env: ApiEnv) -> None:
    key = _put(api_env, "email\na@example.com\n")
    registered = [i.instance_id for i in api_env.backend.settings_repo.list_instances()]
    with api_env.client() as c:
        created = c.post("/api/erasures", json={"sourceKey": key, "pii": {"email": "EMAIL"}})
    assert created.status_code == 201, created.text
    assert created.json()["instanceIds"] == registered


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"pii": {"email": "NAME"}}, 422, None),
        ({"pii": {}}, 422, None),
        ({"pii": {"mail": "EMAIL"}}, 422, "bad_file"),
        ({"pii": {"email": "EMAIL"}, "countryColumn": "nation"}, 422, "bad_file"),
        ({"pii": {"email": "EMAIL"}, "instanceIds": ["notregistered1"]}, 404, "instance_not_found"),
        ({"pii": {"email": "EMAIL"}, "sourceKey": "erasures/missing.csv"}, 404, "file_not_found"),
    ],
)
def test_bad_requests(api_env: ApiEnv, body: dict[str, object], status: int, code: str | None) -> None:
    key = _put(api_env, "email,country\nsecret.person@example.com,US\n")
    with api_env.client() as c:
        answer = c.post("/api/erasures", json={"sourceKey": key, **body})
    assert answer.status_code == status, answer.text
    if code is not None:
        assert answer.json()["error"] == code
    assert "secret.person@example.com" not in answer.text


def test_nobody_to_send_and_unknown_erasure(api_env: ApiEnv) -> None:
    key = _put(api_env, "email\nnobody\n\n")
    with api_env.client() as c:
        answer = c.post("/api/erasures", json={"sourceKey": key, "pii": {"email": "EMAIL"}})
        assert answer.status_code == 422 and answer.json()["error"] == "no_identities"
        assert "nobody" not in answer.text
        assert c.get(f"/api/erasures/{uuid.uuid4().hex}").status_code == 404
