"""Upload endpoints (spec B.9-B.12) and the asynchronous processing against a real moto S3 server."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from amc_sandbox import (
    SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
    SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID,
    SandboxServer,
)
from tests.sandbox.helpers import (
    DATA,
    INSTANCE,
    amc_policy,
    client,
    create_dataset,
    csv_gz,
    dimension_dataset,
    fact_dataset,
    jsonl_gz,
    sha,
    stage,
    unique,
    upload_body,
)

HEADER = ["email", "phone", "ts", "day", "product", "quantity", "price", "store"]


def good_row(n: int) -> list[Any]:
    return [
        sha(f"user{n}@example.com"),
        sha(f"+1555000{n:04d}"),
        f"2024-01-0{1 + n % 9}T10:00:00Z",
        "2024-01-02",
        f"p{n}",
        n,
        "9.99",
        7,
    ]


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique("amc-stage").replace("_", "-")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=amc_policy(name, SANDBOX_DATA_UPLOAD_ACCOUNT_ID))
    return name


def start_upload(
    http: httpx.Client, server: SandboxServer, dataset_id: str, body: dict[str, Any], instance: str = INSTANCE
) -> str:
    response = http.post(
        f"/amc/advertiserData/{instance}/uploads/{dataset_id}", json=body, headers=server.headers()
    )
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["status"] == "SUBMITTED"
    return str(payload["uploadId"])


def wait(
    http: httpx.Client,
    server: SandboxServer,
    dataset_id: str,
    upload_id: str,
    instance: str = INSTANCE,
    timeout: float = 15,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        upload = http.get(
            f"/amc/advertiserData/{instance}/uploads/{dataset_id}/{upload_id}", headers=server.headers()
        ).json()["upload"]
        if not seen or seen[-1] != upload["status"]:
            seen.append(upload["status"])
        if upload["status"] in {"SUCCESS", "FAILED"}:
            upload["_seen"] = seen
            return dict(upload)
        time.sleep(0.03)
    raise AssertionError(f"upload {upload_id} still {seen[-1]}")


def test_manifest_upload_succeeds_with_metrics(
    amc_sandbox_clean: SandboxServer, s3: Any, bucket: str
) -> None:
    server = amc_sandbox_clean
    manifest = stage(
        s3,
        bucket,
        {
            "amc/job1/part-00000.csv.gz": csv_gz(HEADER, [good_row(n) for n in range(3)]),
            "amc/job1/part-00001.csv.gz": csv_gz(HEADER, [good_row(n) for n in range(3, 5)]),
        },
    )
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("ok")))
        upload_id = start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest))
        upload = wait(http, server, dataset_id, upload_id)
    assert upload["status"] == "SUCCESS", upload.get("message")
    assert upload["_seen"][-2:] == ["IN_PROGRESS", "SUCCESS"]
    assert upload["metrics"]["OutputRowCount"] == 5
    assert upload["metrics"]["FileCount"] == 2
    assert upload["metrics"]["droppedRows"] == []
    assert upload["metrics"]["droppedColumns"] == []
    assert upload["dataSource"] == {"sourceS3Bucket": bucket, "sourceManifestS3Key": manifest}
    assert upload["dataSetId"] == dataset_id and upload["instanceId"] == INSTANCE


def test_bad_rows_dropped_with_reasons(amc_sandbox_clean: SandboxServer, s3: Any, bucket: str) -> None:
    server = amc_sandbox_clean
    rows = [
        good_row(1),
        ["not-a-hash@example.com", sha("p"), "2024-01-01T10:00:00Z", "2024-01-02", "x", 1, "1.0", 1],
        [sha("a"), sha("p"), "01/02/2024 10:00", "2024-01-02", "x", 1, "1.0", 1],
        [
            sha("b"),
            sha("p"),
            "2024-01-01 10:00:00.123456789",
            "2024-01-02",
            "x",
            1,
            "1.0",
            1,
        ],  # C.4 tolerated
        [sha("c"), sha("p"), "2024-01-01T10:00:00Z", "2024-02-30", "x", 1, "1.0", 1],
        [sha("d"), sha("p"), "2024-01-01T10:00:00Z", "2024-01-02", "x", "many", "1.0", 1],
        [sha("e"), sha("p"), "2024-01-01T10:00:00Z", "2024-01-02", "x", 1, "abc", 1],
        [sha("f"), sha("p"), "2024-01-01T10:00:00Z", "2024-01-02", "x", 1, "1.0", 2**40],
        [sha("g"), sha("p"), "", "2024-01-02", "x", 1, "1.0", 1],
        [sha("h"), "", "2024-01-01T10:00:00Z", "2024-01-02", "x", 1, "1.0", 1],  # null PII is fine
        [sha("i"), sha("p"), "2024-01-01T10:00:00Z"],
    ]
    header = [*HEADER, "loyalty_tier"]
    rows = [[*r, "gold"] if len(r) == len(HEADER) else r for r in rows]
    manifest = stage(s3, bucket, {"amc/bad/part-00000.csv.gz": csv_gz(header, rows)})
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("bad")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "SUCCESS", upload.get("message")
    metrics = upload["metrics"]
    assert metrics["InputRowCount"] == 11
    assert metrics["OutputRowCount"] == 3
    assert metrics["droppedColumns"] == ["loyalty_tier"]
    reasons = {d["reason"]: d["rowCount"] for d in metrics["droppedRows"]}
    assert sum(reasons.values()) == 8
    assert (
        reasons["email: does not match the regex pattern ^[0-9a-f]{64}$ (hashed PII must be SHA-256 hex)"]
        == 1
    )
    assert any(r.startswith("ts: does not match the regex pattern") for r in reasons)
    assert reasons["day: not a valid calendar date"] == 1
    assert reasons["quantity: not a valid LONG"] == 1
    assert reasons["price: not a valid DECIMAL"] == 1
    assert reasons["store: out of range for INTEGER"] == 1
    assert reasons["ts: the main event time is required"] == 1
    assert reasons["row has 3 fields, the header has 9"] == 1
    assert "not-a-hash" not in json.dumps(upload)  # reasons never carry values
    assert "dropped 8 rows" in upload["message"]


def test_jsonl_upload_and_user_id_must_be_empty(
    amc_sandbox_clean: SandboxServer, s3: Any, bucket: str
) -> None:
    server = amc_sandbox_clean
    records = [
        {
            "email": sha("a"),
            "phone": None,
            "ts": "2024-03-01T00:00:00Z",
            "quantity": 2,
            "price": 1.5,
            "store": 3,
        },
        {"email": sha("b"), "ts": "2024-03-01T00:00:00Z", "user_id": "amzn1.resolved"},
        {"email": sha(""), "ts": "2024-03-01T00:00:00Z", "extra": [1]},
    ]
    manifest = stage(s3, bucket, {"amc/j/part-00000.json.gz": jsonl_gz(records)})
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("jsonl")))
        body = upload_body(bucket, manifest=manifest, fmt="JSONL")
        upload = wait(http, server, dataset_id, start_upload(http, server, dataset_id, body))
    assert upload["status"] == "SUCCESS", upload.get("message")
    assert upload["metrics"]["OutputRowCount"] == 2
    assert upload["metrics"]["EmptyStringHashCount"] == 1
    assert upload["metrics"]["droppedColumns"] == ["extra"]
    (reason,) = upload["metrics"]["droppedRows"]
    assert reason["reason"].startswith("user_id: must be empty")


def test_missing_instance_tag_fails(amc_sandbox_clean: SandboxServer, s3: Any, bucket: str) -> None:
    server = amc_sandbox_clean
    manifest = stage(s3, bucket, {"amc/t/part-00000.csv.gz": csv_gz(HEADER, [good_row(1)])}, tag="amcother99")
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("tag")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "FAILED"
    assert f"is not tagged with instanceId={INSTANCE}" in upload["message"]
    assert f"s3://{bucket}/{manifest}" in upload["message"]


def test_bucket_tag_with_space_separated_ids_is_enough(
    amc_sandbox_clean: SandboxServer, s3: Any, bucket: str
) -> None:
    server = amc_sandbox_clean
    s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": [{"Key": "instanceId", "Value": f"amcother99 {INSTANCE}"}]}
    )
    manifest = stage(s3, bucket, {"amc/bt/part-00000.csv.gz": csv_gz(HEADER, [good_row(1)])}, tag=None)
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("btag")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "SUCCESS", upload.get("message")


def test_missing_bucket_policy_fails(amc_sandbox_clean: SandboxServer, s3: Any) -> None:
    server = amc_sandbox_clean
    bucket = unique("amc-nopolicy").replace("_", "-")
    s3.create_bucket(Bucket=bucket)
    manifest = stage(s3, bucket, {"amc/p/part-00000.csv.gz": csv_gz(HEADER, [good_row(1)])})
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("nopol")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "FAILED"
    assert "has no bucket policy" in upload["message"]
    assert f"arn:aws:iam::{SANDBOX_DATA_UPLOAD_ACCOUNT_ID}:root" in upload["message"]


def test_policy_for_another_account_fails_for_this_instance(
    amc_sandbox_clean: SandboxServer, s3: Any
) -> None:
    """The policy grants instance 2's account only: instance 1 cannot read, instance 2 can."""
    server = amc_sandbox_clean
    bucket = unique("amc-acct2").replace("_", "-")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=amc_policy(bucket, SANDBOX_SECOND_DATA_UPLOAD_ACCOUNT_ID))
    s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": [{"Key": "instanceId", "Value": "amcsandbox01 amcsandbox02"}]}
    )
    manifest = stage(s3, bucket, {"amc/a/part-00000.csv.gz": csv_gz(HEADER, [good_row(1)])}, tag=None)
    dataset_id = unique("acct")
    with client(server) as http:
        for instance in (INSTANCE, "amcsandbox02"):
            response = http.post(
                f"/amc/advertiserData/{instance}/dataSets",
                json=fact_dataset(dataset_id),
                headers=server.headers(),
            )
            assert response.status_code == 200
        first = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
        second_id = start_upload(
            http, server, dataset_id, upload_body(bucket, manifest=manifest), instance="amcsandbox02"
        )
        second = wait(http, server, dataset_id, second_id, instance="amcsandbox02")
    assert first["status"] == "FAILED"
    assert "policy does not allow s3:GetObject" in first["message"]
    assert second["status"] == "SUCCESS", second.get("message")


def test_missing_file_in_manifest_fails_naming_it(
    amc_sandbox_clean: SandboxServer, s3: Any, bucket: str
) -> None:
    server = amc_sandbox_clean
    missing = f"s3://{bucket}/amc/m/part-00009.csv.gz"
    manifest = stage(
        s3, bucket, {"amc/m/part-00000.csv.gz": csv_gz(HEADER, [good_row(1)])}, manifest_extra=[missing]
    )
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("miss")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "FAILED"
    assert upload["message"] == f"No such file or directory '{missing}'"


def test_missing_manifest_fails(amc_sandbox_clean: SandboxServer, bucket: str) -> None:
    server = amc_sandbox_clean
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("nomani")))
        body = upload_body(bucket, manifest="amc/none/manifest.txt")
        upload = wait(http, server, dataset_id, start_upload(http, server, dataset_id, body))
    assert upload["status"] == "FAILED"
    assert upload["message"] == f"No such file or directory 's3://{bucket}/amc/none/manifest.txt'"


def test_not_gzip_fails(amc_sandbox_clean: SandboxServer, s3: Any, bucket: str) -> None:
    server = amc_sandbox_clean
    manifest = stage(s3, bucket, {"amc/g/part-00000.csv.gz": b"email,ts\n"})
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("nogz")))
        upload = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, manifest=manifest)),
        )
    assert upload["status"] == "FAILED"
    assert "could not be decompressed as GZIP" in upload["message"]


def test_single_file_and_prefix_sources(amc_sandbox_clean: SandboxServer, s3: Any, bucket: str) -> None:
    server = amc_sandbox_clean
    stage(
        s3,
        bucket,
        {
            "drop/part-0.csv.gz": csv_gz(HEADER, [good_row(1), good_row(2)]),
            "drop/part-1.csv.gz": csv_gz(HEADER, [good_row(3)]),
            "drop/_SUCCESS": b"",
        },
        manifest_key=None,
    )
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("src")))
        single = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, file="drop/part-0.csv.gz")),
        )
        prefix = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, prefix="drop/")),
        )
        empty = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body(bucket, prefix="nothing/")),
        )
    assert single["status"] == "SUCCESS" and single["metrics"]["OutputRowCount"] == 2
    assert prefix["status"] == "SUCCESS" and prefix["metrics"]["OutputRowCount"] == 3
    assert prefix["metrics"]["FileCount"] == 2  # _SUCCESS skipped (spec B.14)
    assert empty["status"] == "FAILED" and "No files found under prefix" in empty["message"]


def test_local_file_manifest(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    part = tmp_path / "part-00000.csv.gz"
    part.write_bytes(csv_gz(["sku", "category", "weight"], [["a", "b", "1.5"], ["c", "d", "2"]]))
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(f"{part.as_uri()}\n{(tmp_path / 'gone.csv.gz').as_uri()}")
    ok_manifest = tmp_path / "ok.txt"
    ok_manifest.write_text(part.as_uri())
    with client(server) as http:
        dataset_id = create_dataset(http, server, dimension_dataset(unique("local")))
        ok = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body("local", manifest=ok_manifest.as_uri())),
        )
        bad = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body("local", manifest=manifest.as_uri())),
        )
    assert ok["status"] == "SUCCESS" and ok["metrics"]["OutputRowCount"] == 2
    assert bad["status"] == "FAILED"
    assert bad["message"] == f"No such file or directory '{(tmp_path / 'gone.csv.gz').as_uri()}'"


INVALID_UPLOADS: list[tuple[str, dict[str, Any], str]] = [
    (
        "no strategy",
        {k: v for k, v in upload_body("bkt", manifest="m.txt").items() if k != "updateStrategy"},
        "updateStrategy",
    ),
    ("bad strategy", upload_body("bkt", manifest="m.txt", strategy="APPEND"), "updateStrategy"),
    ("bad compression", upload_body("bkt", manifest="m.txt", compression="LZ4"), "compressionFormat"),
    ("two sources", upload_body("bkt", manifest="m.txt", file="a.csv.gz"), "exactly one of sourceFileS3Key"),
    ("no source key", upload_body("bkt"), "exactly one of sourceFileS3Key"),
    ("bad bucket", upload_body("Bad_Bucket", manifest="m.txt"), "not a valid S3 bucket name"),
    (
        "two formats",
        upload_body("bkt", manifest="m.txt")
        | {"fileFormat": {"csvDataFormat": {}, "jsonDataFormat": "LINES"}},
        "exactly one of csvDataFormat",
    ),
    (
        "bad json format",
        upload_body("bkt", manifest="m.txt") | {"fileFormat": {"jsonDataFormat": "ARRAY"}},
        "jsonDataFormat",
    ),
    (
        "long delimiter",
        upload_body("bkt", manifest="m.txt") | {"fileFormat": {"csvDataFormat": {"fieldDelimiter": "||"}}},
        "single character",
    ),
    (
        "old field names",
        upload_body("bkt") | {"dataSource": {"s3Bucket": "bkt", "s3ObjectKey": "a"}},
        "sourceS3Bucket is required",
    ),
    (
        "country without identity",
        upload_body("bkt", manifest="m.txt") | {"countryCode": "US"},
        "does not contain identity",
    ),
]


@pytest.mark.parametrize(
    ("body", "fragment"), [(b, f) for _, b, f in INVALID_UPLOADS], ids=[i for i, _, _ in INVALID_UPLOADS]
)
def test_upload_body_rules(amc_sandbox_clean: SandboxServer, body: dict[str, Any], fragment: str) -> None:
    server = amc_sandbox_clean
    with client(server) as http:
        dataset_id = create_dataset(http, server, dimension_dataset(unique("body")))
        response = http.post(f"{DATA}/uploads/{dataset_id}", json=body, headers=server.headers())
    assert response.status_code == 400, response.text
    assert fragment in response.json()["details"]


def test_upload_to_unknown_dataset_is_404(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post(
            f"{DATA}/uploads/no_such_set",
            json=upload_body("bkt", manifest="m.txt"),
            headers=amc_sandbox_clean.headers(),
        )
        get = http.get(f"{DATA}/uploads/no_such_set/123", headers=amc_sandbox_clean.headers())
    assert response.status_code == 404
    assert get.status_code == 404


def test_upload_list_pagination_and_filters(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 0.0
    part = tmp_path / "part-00000.csv.gz"
    part.write_bytes(gzip.compress(b"sku,category,weight\na,b,1\n"))
    with client(server) as http:
        dataset_id = create_dataset(http, server, dimension_dataset(unique("lst")))
        other_id = create_dataset(http, server, dimension_dataset(unique("oth")))
        ids = [
            start_upload(http, server, dataset_id, upload_body("local", file=part.as_uri())) for _ in range(7)
        ]
        failed = start_upload(
            http, server, dataset_id, upload_body("local", file=(tmp_path / "x.gz").as_uri())
        )
        start_upload(http, server, other_id, upload_body("local", file=part.as_uri()))
        assert server.wait_for_uploads(timeout=15)
        headers = server.headers()
        seen: list[str] = []
        token = None
        pages = 0
        while True:
            params: dict[str, Any] = {"dataSetId": dataset_id, "maxResults": 3}
            if token:
                params["nextToken"] = token
            page = http.post(f"{DATA}/uploads/list", params=params, headers=headers).json()
            pages += 1
            seen.extend(u["uploadId"] for u in page["uploads"])
            token = page.get("nextToken")
            if not token:
                break
        only_failed = http.post(
            f"{DATA}/uploads/list", params={"dataSetId": dataset_id, "status": "FAILED"}, headers=headers
        ).json()["uploads"]
        future = http.post(
            f"{DATA}/uploads/list",
            params={
                "dataSetId": dataset_id,
                "createdAt": "2099-01-01T00:00:00Z",
                "createdAtComparator": "GTE",
            },
            headers=headers,
        ).json()
        past = http.post(
            f"{DATA}/uploads/list",
            params={
                "dataSetId": dataset_id,
                "createdAt": "2000-01-01T00:00:00Z",
                "createdAtComparator": "GT",
            },
            headers=headers,
        ).json()
        bad_status = http.post(f"{DATA}/uploads/list", params={"status": "DONE"}, headers=headers)
    assert pages == 3
    assert sorted(seen) == sorted([*ids, failed])
    assert seen[0] == failed  # newest first
    assert [u["uploadId"] for u in only_failed] == [failed]
    assert future["uploads"] == []
    assert len(past["uploads"]) == 8
    assert bad_status.status_code == 400


def test_deleting_dataset_removes_its_uploads(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    server = amc_sandbox_clean
    part = tmp_path / "p.csv.gz"
    part.write_bytes(gzip.compress(b"sku,category,weight\na,b,1\n"))
    with client(server) as http:
        dataset_id = create_dataset(http, server, dimension_dataset(unique("del")))
        upload_id = start_upload(http, server, dataset_id, upload_body("local", file=part.as_uri()))
        server.wait_for_uploads()
        http.delete(f"{DATA}/dataSets/{dataset_id}", headers=server.headers())
        response = http.get(f"{DATA}/uploads/{dataset_id}/{upload_id}", headers=server.headers())
    assert response.status_code == 404


def test_user_deletion_requests(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    server.processor.delay = 1.0  # long enough to see PENDING on a loaded machine
    with client(server) as http:
        headers = server.headers()
        created = http.post(
            f"{DATA}/userDeletionRequest",
            headers=headers,
            json={
                "targetIdentities": [
                    {"type": "MAID", "value": "6D92078A-8246-4BA4-AE5B-76104861E7DC"},
                    {"EMAIL": sha("a@example.com"), "PHONE": sha("+15550001111")},
                ]
            },
        )
        assert created.status_code == 200, created.text
        request_id = created.json()["userDeletionRequestId"]
        first = http.get(f"{DATA}/userDeletionRequest/{request_id}", headers=headers).json()[
            "identityDeletion"
        ]
        time.sleep(1.2)
        later = http.get(f"{DATA}/userDeletionRequest/{request_id}", headers=headers).json()[
            "identityDeletion"
        ]
        listed = http.post(f"{DATA}/userDeletionRequest/list", headers=headers).json()["userDeletions"]
        bad = http.post(
            f"{DATA}/userDeletionRequest",
            headers=headers,
            json={"targetIdentities": [{"EMAIL": "clear@x.com"}]},
        )
        too_many = http.post(
            f"{DATA}/userDeletionRequest",
            headers=headers,
            json={"targetIdentities": [{"type": "MAID", "value": "x"}] * 1001},
        )
    assert first["status"] == "PENDING" and first["identityCount"] == 2
    assert later["status"] == "SUCCEEDED"
    assert request_id in [d["userDeletionRequestId"] for d in listed]
    assert bad.status_code == 400 and "SHA-256" in bad.json()["details"]
    assert too_many.status_code == 400


def test_unknown_country_rows_counted(amc_sandbox_clean: SandboxServer, tmp_path: Path) -> None:
    """Spec C.3: no country at data set, upload or row level -> UNKNOWN; the sandbox counts such rows."""
    server = amc_sandbox_clean
    server.processor.delay = 0.0
    columns = [
        {"name": "user_id", "dataType": "STRING", "columnType": "DIMENSION", "isMainUserId": True},
        {"name": "user_type", "dataType": "STRING", "columnType": "DIMENSION", "isMainUserIdType": True},
        {
            "name": "email",
            "dataType": "STRING",
            "columnType": "DIMENSION",
            "externalUserIdType": {"hashedPii": "EMAIL"},
        },
        {"name": "cc", "dataType": "STRING", "columnType": "DIMENSION", "isCountryCode": True},
    ]
    part = tmp_path / "p.csv.gz"
    part.write_bytes(gzip.compress(f"email,cc\n{sha('a')},US\n{sha('b')},\n,\n".encode()))
    with client(server) as http:
        dataset_id = create_dataset(
            http, server, {"dataSet": {"dataSetId": unique("cc"), "columns": columns}}
        )
        plain = wait(
            http,
            server,
            dataset_id,
            start_upload(http, server, dataset_id, upload_body("local", file=part.as_uri())),
        )
        body = upload_body("local", file=part.as_uri()) | {"countryCode": "GB"}
        with_country = wait(http, server, dataset_id, start_upload(http, server, dataset_id, body))
    assert plain["metrics"]["OutputRowCount"] == 3
    assert plain["metrics"]["UnknownCountryRowCount"] == 1
    assert with_country["metrics"]["UnknownCountryRowCount"] == 0
    assert with_country["countryCode"] == "GB"
