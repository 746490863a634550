"""Per-cell value checks (spec C.4) and the row checks of one file (header, main user id, drops)."""

from __future__ import annotations

from typing import Any

import pytest

from amc_sandbox.errors import UploadFailure
from amc_sandbox.reading import RecordFile
from amc_sandbox.validation import IngestResult, check_value, validate_rows
from amc_uploader.io import Rejected
from tests.sandbox.helpers import sha


def column(data_type: str = "STRING", **extra: Any) -> dict[str, Any]:
    base = {"name": "c", "dataType": data_type, "columnType": "DIMENSION", "nullable": True}
    base.update({"isMainEventTime": False, "isCountryCode": False, **extra})
    return base


EMAIL = column(externalUserIdType={"hashedPii": "EMAIL"})

CELLS: list[tuple[dict[str, Any], Any, bool]] = [
    (EMAIL, sha("a@example.com"), True),
    (EMAIL, sha("a@example.com").upper(), False),
    (EMAIL, "a@example.com", False),
    (EMAIL, sha("x")[:63], False),
    (EMAIL, None, True),
    (EMAIL, "", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00Z", True),
    (column("TIMESTAMP"), "2022-08-02 08:00:00", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00.123456789Z", True),
    (column("TIMESTAMP"), "2022-08-02T08:00:00.1234567891Z", False),
    (column("TIMESTAMP"), "2022-08-02T08:00:00+02:00", False),
    (column("TIMESTAMP"), "2022-13-02T08:00:00Z", False),
    (column("TIMESTAMP"), "2022-08-02", False),
    (column("DATE"), "2022-08-02", True),
    (column("DATE"), "2022-8-2", False),
    (column("DATE"), "2022-02-29", False),
    (column("INTEGER"), "2147483647", True),
    (column("INTEGER"), "2147483648", False),
    (column("INTEGER"), 12, True),
    (column("INTEGER"), "1.0", False),
    (column("INTEGER"), True, False),
    (column("LONG"), "9223372036854775807", True),
    (column("LONG"), "9223372036854775808", False),
    (column("DECIMAL"), "12.50", True),
    (column("DECIMAL"), 3.25, True),
    (column("DECIMAL"), "NaN", False),
    (column("DECIMAL"), "1,5", False),
    (column("STRING", isCountryCode=True), "US", True),
    (column("STRING", isCountryCode=True), "usa", False),
    (column("STRING", consentType="AMZN_USER_DATA"), "GRANTED", True),
    (column("STRING", consentType="AMZN_AD_STORAGE"), "DENIED", True),
    (column("STRING", consentType="AMZN_USER_DATA"), None, True),
    (column("STRING", consentType="AMZN_USER_DATA"), "granted", False),
    (column("STRING", consentType="AMZN_USER_DATA"), "yes", False),
    (column("STRING", consentType="TCF"), "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", True),
    (column("STRING", consentType="GPP"), "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", True),
    (column("STRING", consentType="TCF"), "consent given", False),
    (column("STRING"), {"nested": 1}, False),
    (column("STRING", nullable=False), None, False),
    (column("TIMESTAMP", isMainEventTime=True), None, False),
]


@pytest.mark.parametrize(("col", "value", "ok"), CELLS)
def test_check_value(col: dict[str, Any], value: Any, ok: bool) -> None:
    _, reason = check_value(col, value)
    assert (reason is None) is ok, reason
    if reason is not None:
        assert reason.startswith("c: ")
        if isinstance(value, str) and len(value) > 3:
            assert value not in reason  # reasons never carry the value


def _col(name: str, data_type: str = "STRING", **extra: Any) -> dict[str, Any]:
    flags = {
        "isMainEventTime": False,
        "isMainUserId": False,
        "isMainUserIdType": False,
        "isCountryCode": False,
    }
    return {
        "name": name,
        "dataType": data_type,
        "columnType": "DIMENSION",
        "nullable": True,
        **flags,
        **extra,
    }


DATASET = {
    "columns": [
        _col("email", externalUserIdType={"hashedPii": "EMAIL"}),
        _col("ts", "TIMESTAMP", isMainEventTime=True),
        _col("user_id", isMainUserId=True),
        _col("user_type", isMainUserIdType=True),
    ]
}


def _validate(columns: list[str] | None, records: list[dict[str, Any] | Rejected]) -> IngestResult:
    result = IngestResult()
    file = RecordFile(columns, iter(enumerate(records, start=2)))
    validate_rows(file, DATASET, result, "s3://b/k.csv", default_country="US")
    return result


def test_rows_accepted_dropped_and_counted_by_reason() -> None:
    good = {"EMAIL": sha("a@example.com"), "ts": "2026-01-01T00:00:00Z", "extra": "x"}
    result = _validate(
        ["EMAIL", "ts", "extra"],
        [
            good,
            {"EMAIL": "a@example.com", "ts": "2026-01-01T00:00:00Z"},
            {"email": sha("b"), "ts": "2026-01-02T00:00:00Z", "user_id": "u1"},
            Rejected("row has 2 fields, the header has 3", "ragged_row"),
        ],
    )
    assert (result.input_rows, result.output_rows) == (4, 1)
    assert result.dropped_columns == {"extra"}
    assert set(result.dropped) == {
        "email: does not match the regex pattern ^[0-9a-f]{64}$ (hashed PII must be SHA-256 hex)",
        "user_id: must be empty in uploaded files (AMC fills it when identity resolves)",
        "row has 2 fields, the header has 3",
    }
    assert (result.event_min, result.event_max) == ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")


def test_a_missing_required_column_fails_the_file() -> None:
    with pytest.raises(UploadFailure, match="lacks the required column 'ts'"):
        _validate(["email"], [])


def test_no_header_no_header_check() -> None:
    assert _validate(None, []).input_rows == 0
