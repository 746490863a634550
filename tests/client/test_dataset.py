"""Dataset builder (spec C): table of rule violations, and the shape of valid definitions."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError

from amc_client import (
    ColumnDefinition,
    DatasetDefinitionError,
    build_dataset,
    load_column_file,
    validate_dataset_id,
)

KMS = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd"


def col(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, **kw}


@pytest.mark.parametrize(
    ("dataset_id", "columns", "options", "problem"),
    [
        ("Sales", [col("a")], {}, "must match ^[a-z][a-z0-9_]+$"),
        ("s", [col("a")], {}, "must match"),
        ("1sales", [col("a")], {}, "must match"),
        ("sales-2024", [col("a")], {}, "must match"),
        ("sales", [], {}, "at least one column"),
        ("sales", [col("a"), col("A")], {}, "duplicate name"),
        ("sales", [col("user_id")], {}, "reserved"),
        ("sales", [col("user_type")], {}, "reserved"),
        ("sales", [col("e", pii_type="EMAIL", data_type="LONG")], {}, "identity columns must be STRING"),
        ("sales", [col("e", pii_type="EMAIL", column_type="METRIC")], {}, "cannot be METRIC"),
        (
            "sales",
            [col("e", pii_type="EMAIL"), col("f", pii_type="EMAIL")],
            {},
            "PII type EMAIL already used",
        ),
        (
            "sales",
            [col("r", external_id_type="LIVERAMP"), col("s", external_id_type="LIVERAMP")],
            {},
            "external id LIVERAMP already used",
        ),
        ("sales", [col("x", pii_type="EMAIL", external_id_type="MAID")], {}, "exclusive"),
        ("sales", [col("t", main_event_time=True, data_type="STRING")], {}, "TIMESTAMP or DATE"),
        (
            "sales",
            [
                col("t", main_event_time=True, data_type="TIMESTAMP"),
                col("u", main_event_time=True, data_type="DATE"),
            ],
            {},
            "only one main event time",
        ),
        (
            "sales",
            [col("t", main_event_time=True, data_type="TIMESTAMP", nullable=True)],
            {},
            "cannot be nullable",
        ),
        ("sales", [col("q", column_type="METRIC")], {}, "METRIC columns must be DECIMAL, INTEGER or LONG"),
        ("sales", [col("a")], {"period": "P1D"}, "period is only valid for FACT"),
        ("sales", [col("t", main_event_time=True, data_type="TIMESTAMP")], {"period": "P1W"}, "period 'P1W'"),
        (
            "sales",
            [col("t", main_event_time=True, data_type="TIMESTAMP")],
            {"period": "DIMENSION"},
            "DIMENSION dataset cannot",
        ),
        ("sales", [col("e", pii_type="EMAIL")], {"country_code": "usa"}, "ISO-3166"),
        ("sales", [col("a")], {"kms_key_arn": "alias/my-key"}, "not a KMS key ARN"),
        (
            "sales",
            [col("c1", country_code_column=True), col("c2", country_code_column=True)],
            {},
            "only one country code column",
        ),
        (
            "sales",
            [col("t", consent_type="TCF"), col("t2", consent_type="tcf")],
            {},
            "consent type TCF already",
        ),
        ("sales", [col("u", consent_type="AMZN_USER_DATA", data_type="INTEGER")], {}, "plain STRING"),
        ("sales", [col("e", consent_type="GPP", pii_type="EMAIL")], {}, "plain STRING"),
        ("sales", [col("a", consent_type="ACS")], {}, "consent_type"),
        ("sales", [col("a", data_type="BLOB")], {}, "data_type"),
        ("sales", [col("a", pii_typ="EMAIL")], {}, "pii_typ"),
        ("sales", [col("a", pii_type="SSN")], {}, "pii_type"),
    ],
)
def test_rule_violations(
    dataset_id: str, columns: list[dict[str, Any]], options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(DatasetDefinitionError) as info:
        build_dataset(dataset_id, columns, **options)
    assert problem in str(info.value)


def test_all_problems_reported_together() -> None:
    with pytest.raises(DatasetDefinitionError) as info:
        build_dataset("Bad", [col("user_id"), col("q", column_type="METRIC")], period="P1D")
    assert len(info.value.problems) == 4


def test_fact_dataset_with_identity_matches_spec_c5() -> None:
    ds = build_dataset(
        "purchases_2024",
        [
            col("product_name"),
            col("quantity", column_type="metric", data_type="long"),
            col("ts", data_type="TIMESTAMP", main_event_time=True),
            col("first_name", pii_type="FIRST_NAME"),
            col("ramp", external_id_type="LIVERAMP"),
            col("email", pii_type="EMAIL"),
        ],
        description="Purchases",
        country_code="US",
        kms_key_arn=KMS,
    )
    body = ds.to_request()
    assert body["period"] == "P1D"
    assert body["countryCode"] == "US"
    assert body["customerEncryptionKeyArn"] == KMS  # inside dataSet (spec B.5)
    names = [c["name"] for c in body["columns"]]
    assert names == ["user_id", "user_type", "email", "first_name", "ramp", "ts", "product_name", "quantity"]
    assert body["columns"][0] == {
        "name": "user_id",
        "description": "The customer resolved id",
        "columnType": "DIMENSION",
        "dataType": "STRING",
        "nullable": True,
        "isMainUserId": True,
    }
    assert body["columns"][2] == {
        "name": "email",
        "description": "hashed Email",
        "columnType": "DIMENSION",
        "dataType": "STRING",
        "nullable": True,
        "externalUserIdType": {"hashedPii": "EMAIL"},
    }
    assert body["columns"][4]["externalUserIdType"] == {"externalIdentity": "LIVERAMP"}
    assert body["columns"][5] == {
        "name": "ts",
        "description": "Ts",
        "columnType": "DIMENSION",
        "dataType": "TIMESTAMP",
        "isMainEventTime": True,
    }
    assert body["columns"][7] == {
        "name": "quantity",
        "description": "Quantity",
        "columnType": "METRIC",
        "dataType": "LONG",
    }
    assert ds.is_fact


def test_dimension_dataset_without_identity() -> None:
    ds = build_dataset("stores", [col("store_id"), col("store_name", nullable=False)], country_code="US")
    body = ds.to_request()
    assert "period" not in body
    assert "countryCode" not in body  # AMC rejects a country without identity columns (spec B.5)
    assert [c["name"] for c in body["columns"]] == ["store_id", "store_name"]
    assert body["columns"][1]["nullable"] is False
    assert "nullable" not in body["columns"][0]
    assert not ds.is_fact


@pytest.mark.parametrize("period", ["PT1H", "p1m", "P1D"])
def test_explicit_periods(period: str) -> None:
    ds = build_dataset("ev", [col("ts", data_type="DATE", main_event_time=True)], period=period)
    assert ds.to_request()["period"] == period.upper()


def test_identity_without_country_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="amc_client"):
        ds = build_dataset("aud", [col("email", pii_type="EMAIL")])
    assert "countryCode" not in ds.to_request()
    assert "no country code" in caplog.text


def test_reference_export_format_is_accepted() -> None:
    ds = build_dataset(
        "ref_import",
        [
            {
                "name": "email",
                "description": "E",
                "data_type": "STRING",
                "column_type": "PII",
                "pii_type": "EMAIL",
            },
            {
                "name": "when",
                "description": "",
                "data_type": "TIMESTAMP",
                "column_type": "MainEventTime",
                "pii_type": "",
            },
            {
                "name": "maid",
                "description": "",
                "data_type": "STRING",
                "column_type": "Mobile Ad ID",
                "pii_type": "",
            },
            {
                "name": "amount",
                "description": "",
                "data_type": "DECIMAL",
                "column_type": "Metric",
                "pii_type": "",
            },
        ],
        country_code="GB",
    )
    cols = {c.name: c for c in ds.columns}
    assert cols["email"].external_user_id_type is not None and cols["email"].description == "E"
    assert cols["when"].is_main_event_time
    assert (
        cols["maid"].external_user_id_type is not None
        and cols["maid"].external_user_id_type.external_identity == "MAID"
    )
    assert cols["amount"].column_type == "METRIC"


def test_column_definition_is_frozen() -> None:
    c = ColumnDefinition(name="a")
    with pytest.raises(ValidationError):
        c.name = "b"  # type: ignore[misc]


@pytest.mark.parametrize("good", ["ab", "a1", "sales_2024", "a_"])
def test_valid_dataset_ids(good: str) -> None:
    assert validate_dataset_id(good) == good


def test_load_column_files() -> None:
    cols, opts = load_column_file('[{"name": "a"}]', suffix=".json")
    assert cols == [{"name": "a"}] and opts == {}
    toml = """
description = "Sales"
period = "P1D"
country_code = "US"

[[columns]]
name = "email"
pii_type = "EMAIL"

[[columns]]
name = "ts"
data_type = "TIMESTAMP"
main_event_time = true
"""
    cols, opts = load_column_file(toml, suffix=".toml")
    assert [c["name"] for c in cols] == ["email", "ts"]
    assert opts == {"description": "Sales", "period": "P1D", "country_code": "US"}
    with pytest.raises(DatasetDefinitionError, match="unknown keys"):
        load_column_file('{"columns": [], "colour": 1}', suffix=".json")
    with pytest.raises(DatasetDefinitionError, match="cannot parse"):
        load_column_file("{", suffix=".json")


def test_consent_columns_declared_with_consent_type_never_hashed() -> None:
    ds = build_dataset(
        "eu_customers",
        [
            col("email", pii_type="EMAIL"),
            col("tcf_string", consent_type="tcf"),
            col("gpp_string", consent_type="GPP"),
            col("amzn_user_data", consent_type="AMZN_USER_DATA"),
            col("amzn_ad_storage", consent_type="AMZN_AD_STORAGE"),
        ],
        country_code="DE",
    )
    by_name = {c["name"]: c for c in ds.to_request()["columns"]}
    assert by_name["tcf_string"]["consentType"] == "TCF"
    assert by_name["amzn_ad_storage"]["consentType"] == "AMZN_AD_STORAGE"
    for name in ("tcf_string", "gpp_string", "amzn_user_data", "amzn_ad_storage"):
        assert by_name[name]["dataType"] == "STRING" and "externalUserIdType" not in by_name[name]
        assert not by_name[name].get("requiresOneWayHashing")
