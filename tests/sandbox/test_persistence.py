"""State survives a restart: data sets, uploads (pending ones resume), tokens; secrets never in clear."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx

from amc_sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_REFRESH_TOKEN, SandboxServer
from tests.sandbox.helpers import DATA, create_dataset, dimension_dataset, upload_body


def _part(tmp_path: Path) -> Path:
    part = tmp_path / "part-00000.csv.gz"
    part.write_bytes(gzip.compress(b"sku,category,weight\na,b,1.5\nc,d,2\n"))
    return part


def test_state_survives_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    part = _part(tmp_path)
    with (
        SandboxServer(state_dir, processing_delay=0.01) as first,
        httpx.Client(base_url=first.base_url) as http,
    ):
        dataset_id = create_dataset(http, first, dimension_dataset("kept_set"))
        upload = http.post(
            f"{DATA}/uploads/{dataset_id}",
            json=upload_body("local", file=part.as_uri()),
            headers=first.headers(),
        ).json()
        assert first.wait_for_uploads()
        first.inject(status=500)  # faults are not persisted
        headers = first.headers()
        first.set_token_lifetime(120)
    secrets_on_disk = (state_dir / "auth.json").read_text() + (state_dir / "state.json").read_text()
    assert headers["Authorization"].split()[1] not in secrets_on_disk
    assert SANDBOX_REFRESH_TOKEN not in secrets_on_disk
    assert SANDBOX_CLIENT_SECRET not in secrets_on_disk

    with SandboxServer(state_dir) as second, httpx.Client(base_url=second.base_url) as http:
        # the access token issued before the restart is still valid
        listed = http.post(f"{DATA}/dataSets/list", headers=headers)
        got = http.get(f"{DATA}/uploads/{dataset_id}/{upload['uploadId']}", headers=headers)
        token = http.post(
            "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": SANDBOX_REFRESH_TOKEN,
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
            },
        ).json()
        assert second.faults() == []
    assert listed.status_code == 200
    assert [d["dataSetId"] for d in listed.json()["dataSets"]] == ["kept_set"]
    assert got.json()["upload"]["status"] == "SUCCESS"
    assert got.json()["upload"]["metrics"]["OutputRowCount"] == 2
    assert token["expires_in"] == 120


def test_pending_upload_resumes_after_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    part = _part(tmp_path)
    with (
        SandboxServer(state_dir, processing_delay=60) as first,
        httpx.Client(base_url=first.base_url) as http,
    ):
        dataset_id = create_dataset(http, first, dimension_dataset("resume_set"))
        upload_id = http.post(
            f"{DATA}/uploads/{dataset_id}",
            json=upload_body("local", file=part.as_uri()),
            headers=first.headers(),
        ).json()["uploadId"]
    with (
        SandboxServer(state_dir, processing_delay=0.01) as second,
        httpx.Client(base_url=second.base_url) as http,
    ):
        assert second.wait_for_uploads(timeout=10)
        upload = http.get(f"{DATA}/uploads/{dataset_id}/{upload_id}", headers=second.headers()).json()[
            "upload"
        ]
    assert upload["status"] == "SUCCESS"


def test_reset_restores_seed_but_keeps_tokens(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "state") as server, httpx.Client(base_url=server.base_url) as http:
        headers = server.headers()
        create_dataset(http, server, dimension_dataset("gone_set"))
        server.inject(status=500, path_regex="nothing-matches")
        assert http.post("/sandbox/reset").json() == {"reset": True}
        listed = http.post(f"{DATA}/dataSets/list", headers=headers)
        assert server.faults() == []
        http.post("/sandbox/reset", json={"tokens": True})
        revoked = http.post(f"{DATA}/dataSets/list", headers=headers)
        fresh = http.post(f"{DATA}/dataSets/list", headers=server.headers())
    assert listed.json() == {"dataSets": []}
    assert revoked.status_code == 401
    assert fresh.status_code == 200
