"""Data set endpoints (spec B.3-B.8) and the schema rules of spec C, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from amc_sandbox import SandboxServer
from tests.sandbox.helpers import (
    DATA,
    client,
    col,
    create_dataset,
    dimension_dataset,
    fact_dataset,
    identity_columns,
    unique,
)

MRK = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"


def test_dataset_lifecycle(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    dataset_id = unique("purchases")
    with client(server) as http:
        created = http.post(
            f"{DATA}/dataSets",
            json=fact_dataset(dataset_id, customerEncryptionKeyArn=MRK),
            headers=server.headers(),
        )
        assert created.status_code == 200
        assert created.json() == {"dataSetId": dataset_id, "instanceId": "amcsandbox01"}

        got = http.get(f"{DATA}/dataSets/{dataset_id}", headers=server.headers()).json()["dataSet"]
        assert got["dataSetType"] == "FACT"
        assert got["period"] == "P1D"
        assert got["countryCode"] == "US"
        assert got["owner"] == "CUSTOMER"
        assert got["customerEncryptionKeyArn"] == MRK
        assert got["createdTime"].endswith("Z")
        email = next(c for c in got["columns"] if c["name"] == "email")
        assert email["externalUserIdType"] == {"hashedPii": "EMAIL"}
        assert email["nullable"] is True and email["isNullable"] is True
        assert not any(k.startswith("_") for k in got)

        updated = http.put(
            f"{DATA}/dataSets/{dataset_id}",
            json={"description": "Purchases", "countryCode": "GB"},
            headers=server.headers(),
        )
        assert updated.status_code == 200
        assert updated.json()["dataSet"]["description"] == "Purchases"
        assert updated.json()["dataSet"]["countryCode"] == "GB"

        deleted = http.delete(f"{DATA}/dataSets/{dataset_id}", headers=server.headers())
        assert deleted.json() == {"dataSetId": dataset_id, "instanceId": "amcsandbox01"}
        missing = http.get(f"{DATA}/dataSets/{dataset_id}", headers=server.headers())
        assert missing.status_code == 404
        assert missing.json()["code"] == "NOT_FOUND"


def test_dimension_dataset_has_no_period(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        dataset_id = create_dataset(http, amc_sandbox_clean, dimension_dataset(unique("dim")))
        got = http.get(f"{DATA}/dataSets/{dataset_id}", headers=amc_sandbox_clean.headers()).json()["dataSet"]
    assert got["dataSetType"] == "DIMENSION"
    assert "period" not in got
    assert got["countryCode"] is None


def test_duplicate_dataset_id_is_409(amc_sandbox_clean: SandboxServer) -> None:
    dataset_id = unique("dup")
    with client(amc_sandbox_clean) as http:
        create_dataset(http, amc_sandbox_clean, dimension_dataset(dataset_id))
        again = http.post(
            f"{DATA}/dataSets", json=dimension_dataset(dataset_id), headers=amc_sandbox_clean.headers()
        )
    assert again.status_code == 409
    assert again.json()["code"] == "CONFLICT"
    assert dataset_id in again.json()["details"]


def test_same_id_allowed_in_another_instance(amc_sandbox_clean: SandboxServer) -> None:
    dataset_id = unique("twice")
    with client(amc_sandbox_clean) as http:
        create_dataset(http, amc_sandbox_clean, dimension_dataset(dataset_id))
        other = http.post(
            "/amc/advertiserData/amcsandbox02/dataSets",
            json=dimension_dataset(dataset_id),
            headers=amc_sandbox_clean.headers(),
        )
    assert other.status_code == 200


def _fact(**overrides: Any) -> dict[str, Any]:
    body = fact_dataset(unique("rule"))
    body["dataSet"].update(overrides)
    return body


def _with_columns(columns: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"dataSet": {"dataSetId": unique("rule"), "columns": columns, **extra}}


EVENT = col("ts", "TIMESTAMP", isMainEventTime=True)

INVALID_DATASETS: list[tuple[str, dict[str, Any], str]] = [
    (
        "uppercase id",
        _with_columns([col("a")]) | {"dataSet": {"dataSetId": "Bad_Id", "columns": [col("a")]}},
        "dataSetId",
    ),
    ("id with space", {"dataSet": {"dataSetId": "bad id", "columns": [col("a")]}}, "dataSetId"),
    ("id starting with digit", {"dataSet": {"dataSetId": "1abc", "columns": [col("a")]}}, "dataSetId"),
    ("one-letter id", {"dataSet": {"dataSetId": "a", "columns": [col("a")]}}, "dataSetId"),
    ("no wrapper", {"dataSetId": "abc", "columns": [col("a")]}, "dataSet must be a JSON object"),
    ("no columns", _with_columns([]), "columns must be a non-empty list"),
    ("bad data type", _with_columns([col("a", "VARCHAR")]), "dataType must be one of"),
    (
        "missing column type",
        _with_columns([{"name": "a", "dataType": "STRING"}]),
        "columnType must be one of",
    ),
    ("duplicate column", _with_columns([col("a"), col("A")]), "Duplicate column name"),
    (
        "string event time",
        _with_columns([col("ts", isMainEventTime=True)]),
        "must be of type TIMESTAMP or DATE",
    ),
    (
        "two event times",
        _with_columns([EVENT, col("ts2", "DATE", isMainEventTime=True)], period="P1D"),
        "Only one column can be the main event time",
    ),
    ("bad period", _with_columns([EVENT], period="P1W"), "period must be one of"),
    ("period on dimension", _with_columns([col("a")], period="P1D"), "period is only allowed for FACT"),
    (
        "country without identity",
        _with_columns([col("a")], countryCode="US"),
        "Country code cannot be specified for a data set that does not contain identity",
    ),
    ("lowercase country", _fact(countryCode="us"), "ISO-3166"),
    (
        "identity without main user id",
        _with_columns([col("email", externalUserIdType={"hashedPii": "EMAIL"})]),
        "but no main user ID column",
    ),
    (
        "main user id without identity",
        _with_columns([col("user_id", isMainUserId=True), col("user_type", isMainUserIdType=True)]),
        "require at least one identity",
    ),
    (
        "main user id without type",
        _with_columns(
            [col("user_id", isMainUserId=True), col("email", externalUserIdType={"hashedPii": "EMAIL"})]
        ),
        "both a main user ID and a main user ID type",
    ),
    (
        "unknown hashed pii",
        _with_columns([*identity_columns(), col("dob", externalUserIdType={"hashedPii": "BIRTHDAY"})]),
        "unknown hashedPii type",
    ),
    (
        "unknown external identity",
        _with_columns([*identity_columns(), col("x", externalUserIdType={"externalIdentity": "FOO"})]),
        "unknown externalIdentity type",
    ),
    (
        "both identity kinds",
        _with_columns(
            [
                *identity_columns(),
                col("x", externalUserIdType={"hashedPii": "EMAIL", "externalIdentity": "MAID"}),
            ]
        ),
        "exactly one of hashedPii or externalIdentity",
    ),
    (
        "identity metric",
        _with_columns(
            [*identity_columns(), col("zip", "STRING", "METRIC", externalUserIdType={"hashedPii": "ZIP"})]
        ),
        "cannot be a METRIC",
    ),
    (
        "identity not string",
        _with_columns([*identity_columns(), col("zip", "INTEGER", externalUserIdType={"hashedPii": "ZIP"})]),
        "must be of type STRING",
    ),
    (
        "main user id metric",
        _with_columns([col("user_id", "STRING", "METRIC", isMainUserId=True), *identity_columns()[1:]]),
        "cannot be a METRIC",
    ),
    ("hashing without pii", _with_columns([col("a", requiresOneWayHashing=True)]), "requiresOneWayHashing"),
    (
        "two country columns",
        _with_columns([*identity_columns(), col("c1", isCountryCode=True), col("c2", isCountryCode=True)]),
        "Only one column can be the country code column",
    ),
    (
        "country column without identity",
        _with_columns([col("c1", isCountryCode=True)]),
        "does not contain identity",
    ),
    ("bad consent type", _with_columns([col("a", consentType="tcf")]), "consentType must be one of"),
    (
        "non-mrk kms key",
        _fact(customerEncryptionKeyArn="arn:aws:kms:us-east-1:123456789012:key/abc"),
        "multi-region",
    ),
    ("flag not boolean", _with_columns([col("a", nullable="yes")]), "nullable must be a boolean"),
]


@pytest.mark.parametrize(
    ("body", "fragment"), [(b, f) for _, b, f in INVALID_DATASETS], ids=[i for i, _, _ in INVALID_DATASETS]
)
def test_schema_rules_rejected_with_400(
    amc_sandbox_clean: SandboxServer, body: dict[str, Any], fragment: str
) -> None:
    with client(amc_sandbox_clean) as http:
        response = http.post(f"{DATA}/dataSets", json=body, headers=amc_sandbox_clean.headers())
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["code"] == "BAD_REQUEST"
    assert fragment in payload["details"]
    assert any(fragment in e for e in payload["errors"])


def test_reference_extra_keys_tolerated(amc_sandbox_clean: SandboxServer) -> None:
    """Spec B.5: the reference sent fileFormat/compressionFormat/... inside dataSet; AMC tolerated it."""
    body = fact_dataset(unique("extras"))
    body["dataSet"].update({"fileFormat": "CSV", "compressionFormat": "GZIP", "ContainsIdentity": True})
    with client(amc_sandbox_clean) as http:
        response = http.post(f"{DATA}/dataSets", json=body, headers=amc_sandbox_clean.headers())
    assert response.status_code == 200


def test_body_must_be_json(amc_sandbox_clean: SandboxServer) -> None:
    headers = amc_sandbox_clean.headers()
    with client(amc_sandbox_clean) as http:
        broken = http.post(
            f"{DATA}/dataSets", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
        )
        text = http.post(
            f"{DATA}/dataSets", content=b"dataSetId=x", headers={**headers, "Content-Type": "text/plain"}
        )
        vendor = http.post(
            f"{DATA}/dataSets",
            json=None,
            content=b'{"dataSet": {"dataSetId": "' + unique("vnd").encode() + b'", "columns": [{"name": "a", '
            b'"dataType": "STRING", "columnType": "DIMENSION"}]}}',
            headers={**headers, "Content-Type": "application/vnd.amcadvertiserdataset.v1+json"},
        )
    assert broken.status_code == 400 and broken.json()["details"] == "Request body is not valid JSON"
    assert text.status_code == 415
    assert vendor.status_code == 200, vendor.text


def test_update_only_description_and_country(amc_sandbox_clean: SandboxServer) -> None:
    with client(amc_sandbox_clean) as http:
        dataset_id = create_dataset(http, amc_sandbox_clean, dimension_dataset(unique("upd")))
        bad = http.put(
            f"{DATA}/dataSets/{dataset_id}", json={"period": "P1D"}, headers=amc_sandbox_clean.headers()
        )
        country = http.put(
            f"{DATA}/dataSets/{dataset_id}", json={"countryCode": "US"}, headers=amc_sandbox_clean.headers()
        )
    assert bad.status_code == 400 and "Only description and countryCode" in bad.json()["details"]
    assert country.status_code == 400 and "does not contain identity" in country.json()["details"]


def test_column_add_update_delete(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    with client(server) as http:
        dataset_id = create_dataset(http, server, fact_dataset(unique("cols")))
        path = f"{DATA}/dataSets/{dataset_id}/columns"
        added = http.post(path, json={"column": col("channel")}, headers=server.headers())
        assert added.status_code == 200
        assert "channel" in [c["name"] for c in added.json()["dataSet"]["columns"]]
        country = http.post(path, json={"column": col("cc", isCountryCode=True)}, headers=server.headers())
        assert country.status_code == 200
        dup = http.post(path, json={"column": col("channel")}, headers=server.headers())
        assert dup.status_code == 400 and "Duplicate column name" in dup.json()["details"]
        main = http.post(path, json={"column": col("uid2", isMainUserId=True)}, headers=server.headers())
        assert main.status_code == 400 and "cannot be added" in main.json()["details"]

        renamed = http.put(
            f"{path}/channel",
            json={"updatedColumnName": "sales_channel", "updateDescription": "Where"},
            headers=server.headers(),
        )
        assert renamed.status_code == 200
        column = next(c for c in renamed.json()["dataSet"]["columns"] if c["name"] == "sales_channel")
        assert column["description"] == "Where"
        assert (
            http.put(f"{path}/nope", json={"updateDescription": "x"}, headers=server.headers()).status_code
            == 404
        )

        deleted = http.delete(f"{path}/sales_channel", headers=server.headers())
        assert deleted.status_code == 200
        assert "sales_channel" not in [c["name"] for c in deleted.json()["dataSet"]["columns"]]
        for protected in ("ts", "user_id", "user_type"):
            refused = http.delete(f"{path}/{protected}", headers=server.headers())
            assert refused.status_code == 400, protected


def test_dataset_list_pagination(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    instance_id = unique("amcpage").replace("_", "")
    server.add_instance(instance_id)
    base = f"/amc/advertiserData/{instance_id}/dataSets"
    created = []
    with client(server) as http:
        headers = server.headers()
        for n in range(23):
            body = dimension_dataset(f"page_{n:02d}")
            assert http.post(base, json=body, headers=headers).status_code == 200
            created.append(f"page_{n:02d}")
        seen: list[str] = []
        pages = 0
        token: str | None = None
        while True:
            params: dict[str, Any] = {"maxResults": 10}
            if token:
                params["nextToken"] = token
            page = http.post(f"{base}/list", params=params, headers=headers).json()
            pages += 1
            seen.extend(d["dataSetId"] for d in page["dataSets"])
            token = page.get("nextToken")
            if not token:
                break
        bad = http.post(f"{base}/list", params={"nextToken": "garbage!"}, headers=headers)
        too_big = http.post(f"{base}/list", params={"maxResults": 5000}, headers=headers)
    assert pages == 3
    assert seen == created
    assert bad.status_code == 400 and bad.json()["details"] == "Invalid nextToken"
    assert too_big.status_code == 400


def test_list_parameters_in_json_body(amc_sandbox_clean: SandboxServer) -> None:
    server = amc_sandbox_clean
    instance_id = unique("amcbody").replace("_", "")
    server.add_instance(instance_id)
    base = f"/amc/advertiserData/{instance_id}/dataSets"
    with client(server) as http:
        for n in range(3):
            http.post(base, json=dimension_dataset(f"body_{n}"), headers=server.headers())
        first = http.post(f"{base}/list", json={"maxResults": 2}, headers=server.headers()).json()
        rest = http.post(
            f"{base}/list", json={"maxResults": 2, "nextToken": first["nextToken"]}, headers=server.headers()
        )
    assert [d["dataSetId"] for d in first["dataSets"]] == ["body_0", "body_1"]
    assert [d["dataSetId"] for d in rest.json()["dataSets"]] == ["body_2"]
    assert "nextToken" not in rest.json()
