"""`NormalizationReport._repr_html_` (the notebook view) and `to_pandas()`."""

from __future__ import annotations

import html
import sys

import pandas as pd
import pytest

from amc_normalize import NormalizationReport
from amc_normalize.extras import MissingExtraError
from amc_normalize.pandas import ZIP_ZERO_PADDED
from amc_normalize.reasons import REASONS


def _report() -> NormalizationReport:
    report = NormalizationReport()
    report.add_counts(
        "<b>mail</b>",
        "EMAIL",
        rows=10,
        null=1,
        prehashed=2,
        invalid_by_reason={"email.format": 3, "value.boolean": 1, "text.invalid_unicode": 1, "z.last": 1},
    )
    report.add_counts("zip", "ZIP", rows=10, null=0, invalid_by_reason={"zip.pattern": 2})
    report.add_notes("zip", "ZIP", {ZIP_ZERO_PADDED: 4})
    return report


def test_html_table_has_the_counts_and_escapes_names() -> None:
    text = _report()._repr_html_()
    assert "<b>mail</b>" not in text
    assert "&lt;b&gt;mail&lt;/b&gt;" in text
    assert text.count("<tr>") == 3  # header and one row per column
    for cell in ("<td>EMAIL</td>", '<td style="text-align:right">2</td>', ">zip.pattern: 2</td>"):
        assert cell in text
    assert "email.format: 3, " in text and "+1 more" in text  # the top reasons, then how many more
    assert f">{ZIP_ZERO_PADDED}: 4</td>" in text
    # each code's sentence (amc_normalize.reasons) is the cell's tooltip
    assert f'title="zip.pattern: {html.escape(REASONS["zip.pattern"])}"' in text
    assert "10 rows, 2 PII columns, 8 invalid values" in text


def test_html_shows_countries_and_mismatch_warnings() -> None:
    report = NormalizationReport()
    report.add_country_rows("US", 3)
    report.add_country_rows("unknown", 1)
    report.add_counts("phone", "PHONE", rows=3, country="US")
    report.add_counts("phone", "PHONE", rows=1, invalid_by_reason={"country.unknown": 1}, country="unknown")
    report.add_country_mismatch("phone", {"GB": 2})
    text = report._repr_html_()
    assert "<td>US</td>" in text
    assert "<td>country.unknown</td>" in text
    assert "phone: 2 rows (50%) look like GB" in text


def test_to_pandas_one_row_per_column() -> None:
    frame = _report().to_pandas()
    assert list(frame.index) == ["<b>mail</b>", "zip"]
    assert list(frame.columns) == ["pii_type", "rows", "ok", "null", "prehashed", "invalid", "notes"]
    assert frame.loc["<b>mail</b>", ["rows", "ok", "null", "prehashed", "invalid"]].tolist() == [
        10,
        1,
        1,
        2,
        6,
    ]
    assert frame.loc["zip", "notes"] == 4
    assert (frame.dtypes[1:] == "int64").all()


def test_to_pandas_reasons_long_form() -> None:
    frame = _report().to_pandas(reasons=True)
    assert list(frame.columns) == ["column", "pii_type", "kind", "reason", "rows"]
    zip_rows = frame[frame["column"] == "zip"]
    assert zip_rows[["kind", "reason", "rows"]].values.tolist() == [
        ["invalid", "zip.pattern", 2],
        ["note", ZIP_ZERO_PADDED, 4],
    ]
    assert frame[frame["column"] == "<b>mail</b>"]["reason"].tolist()[0] == "email.format"
    assert frame["rows"].sum() == 6 + 2 + 4


def test_empty_report() -> None:
    report = NormalizationReport()
    assert "0 rows, 0 PII columns" in report._repr_html_()
    assert report.to_pandas().empty
    assert report.to_pandas(reasons=True).empty
    assert isinstance(report.to_pandas(reasons=True), pd.DataFrame)


def test_to_pandas_without_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now fails as if not installed
    with pytest.raises(MissingExtraError, match=r"amc-uploader\[pandas\]"):
        _report().to_pandas()
    assert "<table>" in _report()._repr_html_()  # the HTML view needs no pandas
