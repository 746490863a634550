"""`df.amc.hash` and `hash_frame`: a new DataFrame with the report on attrs; pandas typing artefacts (integer
ZIPs, float phones) repaired or flagged, per country."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from amc_normalize import NormalizationReport, hash_detailed, hash_value
from amc_normalize.pandas import (
    PHONE_FLOAT,
    REPORT_ATTR,
    ZIP_FLOAT,
    ZIP_ZERO_PADDED,
    hash_frame,
    normalize_frame,
)

SPEC = {"email": "EMAIL", "phone": "PHONE", "zip": "ZIP"}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": pd.array(["A@B.co", None, "bad"], dtype="string"),
            "phone": ["(212) 555-0100", "", None],
            "zip": ["02134", "75236", None],
            "qty": pd.array([1, None, 3], dtype="Int64"),
            "total": [1.5, 2.0, 3.25],
            "when": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
        },
        index=pd.Index([10, 20, 30], name="row"),
    )


def test_accessor_returns_a_new_frame_with_index_dtypes_and_report() -> None:
    df = _frame()
    before = df.copy()
    out = df.amc.hash(SPEC, country_code="US")
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(out, pd.DataFrame)
    assert out is not df
    pd.testing.assert_index_equal(out.index, df.index)
    assert list(out.columns) == list(df.columns)
    for column in ("qty", "total", "when"):
        pd.testing.assert_series_equal(out[column], df[column])
    assert out["email"].dtype == df["email"].dtype  # string stays string
    assert out["email"].tolist()[0] == hash_value("a@b.co", "EMAIL", "US")
    assert out["email"].isna().tolist() == [False, True, True]
    assert out["phone"].dtype == object
    assert out["zip"].tolist()[:2] == [hash_value("02134", "ZIP", "US"), hash_value("75236", "ZIP", "US")]
    report = out.attrs[REPORT_ATTR]
    assert isinstance(report, NormalizationReport)
    assert out.amc.report is report
    assert report.columns["email"].to_dict() == {
        "pii_type": "EMAIL",
        "rows": 3,
        "ok": 1,
        "null": 1,
        "prehashed": 0,
        "invalid": 1,
        "invalid_by_reason": {hash_detailed("bad", "EMAIL", "US").reason: 1},
    }
    assert (report.columns["phone"].ok, report.columns["phone"].null) == (1, 2)


def test_pipe_and_tuple_api_give_the_same_result() -> None:
    df = _frame()
    piped = df.pipe(hash_frame, SPEC, "US")
    accessor = df.amc.hash(SPEC, "US")
    pd.testing.assert_frame_equal(piped, accessor)
    assert piped.attrs[REPORT_ATTR] == accessor.attrs[REPORT_ATTR]
    frame, report = normalize_frame(df, SPEC, "US")
    pd.testing.assert_frame_equal(frame, piped)
    assert report == piped.attrs[REPORT_ATTR]


def test_integer_zips_read_by_read_csv_get_their_leading_zeros_back() -> None:
    # Boston: pd.read_csv reads 02134 as the integer 2134.
    df = pd.read_csv(io.StringIO("zip,n\n02134,1\n02116,2\n75236,3\n"))
    assert df["zip"].dtype == "int64"
    assert df["zip"].tolist() == [2134, 2116, 75236]
    out = df.amc.hash({"zip": "ZIP"}, "US")
    assert out["zip"].tolist() == [hash_value(z, "ZIP", "US") for z in ("02134", "02116", "75236")]
    column = out.attrs[REPORT_ATTR].columns["zip"]
    assert (column.ok, column.invalid) == (3, 0)
    assert column.notes == {ZIP_ZERO_PADDED: 2}
    assert column.to_dict()["notes"] == {ZIP_ZERO_PADDED: 2}
    assert out["n"].dtype == "int64"


def test_nullable_integer_and_float_zips_are_padded_and_floats_flagged() -> None:
    df = pd.DataFrame(
        {
            "zip_int": pd.array([2134, None, 600], dtype="Int64"),
            "zip_float": [2134.0, float("nan"), 2134.5],
        }
    )
    out = df.amc.hash({"zip_int": "ZIP", "zip_float": "ZIP"}, "US")
    assert out["zip_int"].tolist() == [
        hash_value("02134", "ZIP", "US"),
        None,
        hash_value("00600", "ZIP", "US"),
    ]
    assert out["zip_float"].tolist() == [hash_value("02134", "ZIP", "US"), None, None]
    report = out.attrs[REPORT_ATTR]
    assert report.columns["zip_int"].notes == {ZIP_ZERO_PADDED: 2}
    as_float = report.columns["zip_float"]
    assert as_float.notes == {ZIP_FLOAT: 2, ZIP_ZERO_PADDED: 1}
    assert (as_float.ok, as_float.null, dict(as_float.invalid_by_reason)) == (1, 1, {ZIP_FLOAT: 1})


def test_postcodes_with_letters_are_not_padded() -> None:
    df = pd.DataFrame({"zip": [1234, 123456]})
    out = df.amc.hash({"zip": "ZIP"}, "GB")
    column = out.attrs[REPORT_ATTR].columns["zip"]
    assert column.notes == {}
    assert column.invalid == 2


@pytest.mark.parametrize(
    ("country", "number", "padded"), [("JP", 600000, "0600000"), ("IN", 11001, "011001")]
)
def test_padding_uses_the_country_length(country: str, number: int, padded: str) -> None:
    out = pd.DataFrame({"zip": [number]}).amc.hash({"zip": "ZIP"}, country)
    assert out["zip"].tolist() == [hash_value(padded, "ZIP", country)]


def test_float_phone_column_is_flagged_not_hashed_as_float_text() -> None:
    # One blank cell makes read_csv read the whole phone column as float64.
    df = pd.read_csv(io.StringIO("phone\n2125550100\n\n6175550143\n"), skip_blank_lines=False)
    assert df["phone"].dtype == "float64"
    out = df.amc.hash({"phone": "PHONE"}, "US")
    assert out["phone"].tolist() == [
        hash_value("2125550100", "PHONE", "US"),
        None,
        hash_value("6175550143", "PHONE", "US"),
    ]
    column = out.attrs[REPORT_ATTR].columns["phone"]
    assert (column.ok, column.null) == (2, 1)
    assert column.notes == {PHONE_FLOAT: 2}


def test_per_row_country_pads_by_each_rows_country() -> None:
    df = pd.DataFrame(
        {
            "zip": pd.array([2134, 600000, 1234, 75236], dtype="Int64"),
            "country": pd.array(["US", "JP", "GB", "Atlantis"], dtype="string"),
        }
    )
    out = df.amc.hash({"zip": "ZIP"}, country_column="country")
    assert out["zip"].tolist()[:2] == [hash_value("02134", "ZIP", "US"), hash_value("0600000", "ZIP", "JP")]
    assert out["zip"].isna().tolist()[2:] == [True, True]
    assert out["country"].dtype == df["country"].dtype
    assert out["country"].tolist()[:3] == ["US", "JP", "GB"]
    report = out.attrs[REPORT_ATTR]
    assert report.columns["zip"].notes == {ZIP_ZERO_PADDED: 2}
    assert report.countries["US"].columns["zip"].notes == {ZIP_ZERO_PADDED: 1}
    assert report.countries["JP"].columns["zip"].notes == {ZIP_ZERO_PADDED: 1}
    assert report.countries["GB"].columns["zip"].notes == {}
    assert report.columns["zip"].ok == 2


def test_notes_survive_the_json_round_trip_and_merge() -> None:
    out = pd.DataFrame({"zip": [2134]}).amc.hash({"zip": "ZIP"}, "US")
    report = out.attrs[REPORT_ATTR]
    again = NormalizationReport.from_dict(report.to_dict())
    assert again == report
    again.merge(report)
    assert again.columns["zip"].notes == {ZIP_ZERO_PADDED: 2}


def test_report_without_notes_keeps_its_dict_shape() -> None:
    out = pd.DataFrame({"zip": ["02134"]}).amc.hash({"zip": "ZIP"}, "US")
    assert "notes" not in out.attrs[REPORT_ATTR].to_dict()["columns"]["zip"]


def test_suggest_names_the_pii_columns() -> None:
    df = pd.DataFrame(
        {"email": ["a@example.com", "b@example.org"], "zip": ["02134", "75236"], "total": [1.5, 2.0]}
    )
    suggestions = df.amc.suggest("US")
    assert suggestions["email"].pii_type == "EMAIL"
    assert suggestions["zip"].pii_type == "ZIP"
    assert suggestions["total"].pii_type is None


@pytest.mark.parametrize("dtype", ["string[python]", "string[pyarrow]", "object"])
def test_a_hashed_column_keeps_a_string_dtype(dtype: str) -> None:
    df = pd.DataFrame({"email": pd.Series(["a@b.co", None], dtype=dtype)})
    out = df.amc.hash({"email": "EMAIL"}, "US")
    assert out["email"].dtype == df["email"].dtype
    assert out["email"].isna().tolist() == [False, True]


def test_hash_without_any_country_says_what_to_pass() -> None:
    from amc_normalize.errors import MissingCountryError, UnsupportedCountryError

    frame = pd.DataFrame({"email": ["a@example.com"]})
    with pytest.raises(UnsupportedCountryError) as caught:
        frame.amc.hash({"email": "EMAIL"})
    assert isinstance(caught.value, MissingCountryError)
    assert "country_code" in str(caught.value) and "country_column" in str(caught.value)
    assert "'None'" not in str(caught.value)
