"""What the sandbox keeps after successful uploads, per update strategy (spec B.9), and admin overrides."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from amc_sandbox import SandboxServer
from tests.sandbox.helpers import DATA, client, col, create_dataset, unique, upload_body


def _upload(
    server: SandboxServer, tmp_path: Path, dataset_id: str, strategy: str, rows: list[tuple[str, str]]
) -> str:
    part = tmp_path / f"{unique('part')}.csv.gz"
    body = "ts,v\n" + "".join(f"{ts},{v}\n" for ts, v in rows)
    part.write_bytes(gzip.compress(body.encode()))
    with client(server) as http:
        response = http.post(
            f"{DATA}/uploads/{dataset_id}",
            json=upload_body("local", file=part.as_uri(), strategy=strategy),
            headers=server.headers(),
        )
    assert response.status_code == 200, response.text
    assert server.wait_for_uploads(timeout=15)
    return str(response.json()["uploadId"])


def _stored(server: SandboxServer, dataset_id: str) -> list[tuple[str, str]]:
    count, rows = server.dataset_rows(dataset_id)
    assert count == len(rows)
    return sorted((r["ts"][:10], r["v"]) for r in rows)


def test_update_strategies(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 0.0
    body = {
        "dataSet": {
            "dataSetId": unique("strategy"),
            "period": "P1D",
            "columns": [col("ts", "TIMESTAMP", isMainEventTime=True), col("v")],
        }
    }
    with client(server) as http:
        dataset_id = create_dataset(http, server, body)
    day = "2024-01-0{}T12:00:00Z".format

    _upload(server, tmp_path, dataset_id, "ADDITIVE", [(day(1), "a1"), (day(2), "a2"), (day(3), "a3")])
    assert _stored(server, dataset_id) == [("2024-01-01", "a1"), ("2024-01-02", "a2"), ("2024-01-03", "a3")]

    _upload(server, tmp_path, dataset_id, "OVERLAP_REPLACE", [(day(2), "r2")])
    assert _stored(server, dataset_id) == [("2024-01-01", "a1"), ("2024-01-02", "r2"), ("2024-01-03", "a3")]

    _upload(server, tmp_path, dataset_id, "OVERLAP_KEEP", [(day(3), "k3"), (day(4), "k4")])
    assert _stored(server, dataset_id) == [
        ("2024-01-01", "a1"),
        ("2024-01-02", "r2"),
        ("2024-01-03", "a3"),
        ("2024-01-04", "k4"),
    ]

    _upload(server, tmp_path, dataset_id, "FULL_REPLACE", [(day(9), "f9")])
    assert _stored(server, dataset_id) == [("2024-01-09", "f9")]

    # a FAILED upload (missing file) leaves the stored rows alone
    with client(server) as http:
        http.post(
            f"{DATA}/uploads/{dataset_id}",
            json=upload_body("local", file=(tmp_path / "gone.csv.gz").as_uri(), strategy="FULL_REPLACE"),
            headers=server.headers(),
        )
    assert server.wait_for_uploads(timeout=15)
    assert _stored(server, dataset_id) == [("2024-01-09", "f9")]

    with client(server) as http:
        over_http = http.get(f"/sandbox/data/amcsandbox01/{dataset_id}", params={"limit": 5}).json()
        http.delete(f"{DATA}/dataSets/{dataset_id}", headers=server.headers())
    assert over_http == {"rowCount": 1, "rows": [{"ts": "2024-01-09T12:00:00Z", "v": "f9"}]}
    assert server.dataset_rows(dataset_id) == (0, [])


def test_timestamps_stored_canonical(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 0.0
    body = {
        "dataSet": {
            "dataSetId": unique("canon"),
            "columns": [col("ts", "TIMESTAMP", isMainEventTime=True), col("v")],
        }
    }
    with client(server) as http:
        dataset_id = create_dataset(http, server, body)
    _upload(server, tmp_path, dataset_id, "ADDITIVE", [("2024-01-01 12:00:00.5", "x")])
    assert server.dataset_rows(dataset_id)[1][0]["ts"] == "2024-01-01T12:00:00.5Z"


def test_admin_can_settle_an_upload(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 0.3
    body = {"dataSet": {"dataSetId": unique("settle"), "columns": [col("v")]}}
    part = tmp_path / "p.csv.gz"
    part.write_bytes(gzip.compress(b"v\nx\n"))
    with client(server) as http:
        dataset_id = create_dataset(http, server, body)
        upload_id = http.post(
            f"{DATA}/uploads/{dataset_id}",
            json=upload_body("local", file=part.as_uri()),
            headers=server.headers(),
        ).json()["uploadId"]
        forced = http.post(
            f"/sandbox/uploads/amcsandbox01/{upload_id}",
            json={
                "status": "FAILED",
                "message": "The provided timeWindowStart is before our stated retention period",
            },
        )
        assert forced.status_code == 200
        assert server.wait_for_uploads(timeout=15)
        time.sleep(0.05)
        upload = http.get(f"{DATA}/uploads/{dataset_id}/{upload_id}", headers=server.headers()).json()[
            "upload"
        ]
        bad = http.post(f"/sandbox/uploads/amcsandbox01/{upload_id}", json={"status": "DONE"})
    assert upload["status"] == "FAILED"
    assert upload["message"].startswith("The provided timeWindowStart")
    assert server.dataset_rows(dataset_id) == (0, [])
    assert bad.status_code == 400
