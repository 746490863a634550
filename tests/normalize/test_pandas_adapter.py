"""amc_normalize.pandas: same results as the record API, input frame untouched."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from amc_normalize import NormalizationReport, hash_value, normalize_records
from amc_normalize.pandas import normalize_frame, read_csv

SPEC = {"email": "EMAIL", "zip": "ZIP", "last_name": "LAST_NAME"}


def test_normalize_frame_matches_records_and_does_not_mutate() -> None:
    df = pd.DataFrame(
        {
            "email": ["A@B.co", None, "bad", "x@y.z"],
            "zip": [75236.0, float("nan"), 2134.0, "02134"],
            "last_name": ["Müller", "NA", "", "O'Brien"],
            "order_total": [1.5, 2.0, 3.25, 4.0],
        }
    )
    before = df.copy()
    out, report = normalize_frame(df, SPEC, "US")
    pd.testing.assert_frame_equal(df, before)
    assert out is not df
    assert out["order_total"].tolist() == [1.5, 2.0, 3.25, 4.0]
    assert out["zip"].tolist()[0] == hash_value("75236", "ZIP", "US")
    assert out["zip"].tolist()[2] is None  # a float lost the leading zero: 2134 is not a zip
    assert out["zip"].tolist()[3] == hash_value("02134", "ZIP", "US")
    records = df.astype(object).where(df.notna(), None).to_dict("records")
    expected_report = NormalizationReport()
    expected_rows = list(normalize_records(records, SPEC, "US", report=expected_report))
    for column in SPEC:
        assert out[column].tolist() == [r[column] for r in expected_rows]
    assert report == expected_report


def test_read_csv_keeps_pii_columns_as_text(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("zip,last_name,qty\n02134,NA,3\n,Null,4\n", encoding="utf-8")
    df = read_csv(path, {"zip": "ZIP", "last_name": "LAST_NAME"})
    assert df["zip"].tolist()[0] == "02134"
    assert df["last_name"].tolist() == ["NA", "Null"]
    out, report = normalize_frame(df, {"zip": "ZIP", "last_name": "LAST_NAME"}, "US")
    assert out["zip"].tolist()[0] == hash_value("02134", "ZIP", "US")
    assert report.columns["zip"].null == 1
