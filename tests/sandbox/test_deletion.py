"""User deletion requests (spec B.13) over HTTP: identity shapes, the 1000 limit, get, list pages,
PENDING -> SUCCEEDED after the processing delay, per-instance isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from amc_sandbox import SandboxServer
from tests.sandbox.helpers import DATA, client, sha

EMAIL = {"EMAIL": sha("a@example.com")}


def _create(server: SandboxServer, identities: list[Any], base: str = DATA) -> Any:
    with client(server) as http:
        return http.post(
            f"{base}/userDeletionRequest", headers=server.headers(), json={"targetIdentities": identities}
        )


@pytest.mark.parametrize(
    ("identities", "message"),
    [
        ([], "non-empty list"),
        ([{}], "non-empty JSON object"),
        (["x"], "non-empty JSON object"),
        ([{"EMAIL": "A" * 64}], "SHA-256"),
        ([{"NAME": sha("jane doe")}], "unknown hashed PII type 'NAME'"),
        ([{"type": "MAID", "value": ""}], "non-empty string value"),
        ([{"type": "SSN", "value": "123"}], "known type"),
        ([{"type": "MAID", "value": "abc", "EMAIL": sha("a")}], "exactly the keys type and value"),
        ([EMAIL] * 1001, "At most 1000 identities"),
    ],
)
def test_bad_requests_are_400(amc_sandbox_clean: SandboxServer, identities: list[Any], message: str) -> None:
    response = _create(amc_sandbox_clean, identities)
    assert response.status_code == 400
    assert message in response.json()["details"]


def test_a_request_of_1000_identities_settles_and_lists_in_pages(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 30.0
    identities = [{"EMAIL": sha(f"p{i}@example.com"), "PHONE": sha(f"1555{i:07d}")} for i in range(1000)]
    first = _create(server, identities)
    assert first.status_code == 200, first.text
    ids = [first.json()["userDeletionRequestId"]]
    ids += [
        _create(server, [{"type": "LIVERAMP", "value": f"XY{i}"}]).json()["userDeletionRequestId"]
        for i in range(4)
    ]
    with client(server) as http:
        headers = server.headers()
        got = http.get(f"{DATA}/userDeletionRequest/{ids[0]}", headers=headers).json()["identityDeletion"]
        assert got["status"] == "PENDING" and got["identityCount"] == 1000 and got["creationDateTime"]
        assert set(got) == {"userDeletionRequestId", "status", "identityCount", "creationDateTime"}
        seen: list[str] = []
        token: str | None = None
        pages = 0
        while True:
            params = {"maxResults": 2, **({"nextToken": token} if token else {})}
            page = http.post(f"{DATA}/userDeletionRequest/list", headers=headers, params=params).json()
            pages += 1
            assert len(page["userDeletions"]) <= 2
            seen += [d["userDeletionRequestId"] for d in page["userDeletions"]]
            token = page.get("nextToken")
            if not token:
                break
        assert set(ids) <= set(seen) and len(seen) == len(set(seen)) and pages >= 3
        # Newest first.
        assert seen.index(ids[4]) < seen.index(ids[0])
        server.processor.delay = 0.0
        later = http.get(f"{DATA}/userDeletionRequest/{ids[0]}", headers=headers).json()["identityDeletion"]
        assert later["status"] == "SUCCEEDED"
        missing = http.get(f"{DATA}/userDeletionRequest/{uuid.uuid4()}", headers=headers)
        assert missing.status_code == 404
        bad_size = http.post(f"{DATA}/userDeletionRequest/list", headers=headers, params={"maxResults": 0})
        assert bad_size.status_code == 400


def test_requests_belong_to_their_instance(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    other = f"amcdel{uuid.uuid4().hex[:8]}"
    server.add_instance(other)
    request_id = _create(server, [EMAIL]).json()["userDeletionRequestId"]
    with client(server) as http:
        headers = server.headers()
        base = f"/amc/advertiserData/{other}"
        assert http.get(f"{base}/userDeletionRequest/{request_id}", headers=headers).status_code == 404
        listed = http.post(f"{base}/userDeletionRequest/list", headers=headers).json()["userDeletions"]
        assert request_id not in [d["userDeletionRequestId"] for d in listed]
        unauthorized = http.post(
            f"{DATA}/userDeletionRequest",
            headers=server.headers(advertiser=False),
            json={"targetIdentities": [EMAIL]},
        )
        assert unauthorized.status_code in (400, 401, 403)
