"""The report table explains its reason codes: one sentence per code below it, from the one table
(`amc_normalize.reasons`); the JSON stays codes and counts."""

from __future__ import annotations

from rich.console import Console

from amc_normalize import NormalizationReport, PiiType
from amc_normalize.reasons import REASONS, describe_reason
from amc_normalize.report import reason_legend
from amc_normalize.types import Outcome


def _text(report: NormalizationReport) -> str:
    console = Console(width=300, record=True)
    console.print(report.render())
    for table in filter(None, [report.render_countries()]):
        console.print(table)
    return " ".join(console.export_text().split())


def test_the_table_shows_each_code_with_its_sentence_once() -> None:
    report = NormalizationReport()
    report.add("phone", PiiType.PHONE, Outcome.INVALID, "phone.not_possible", count=3)
    report.add("email", PiiType.EMAIL, Outcome.INVALID, "email.no_at")
    report.add("backup", PiiType.PHONE, Outcome.INVALID, "phone.not_possible")
    report.add("email", PiiType.EMAIL, Outcome.OK, count=9)
    text = _text(report)
    for code in ("phone.not_possible", "email.no_at"):
        assert f"{code}: {REASONS[code]}" in text
        assert text.count(REASONS[code]) == 1
    assert "phone.not_possible: 3" in text


def test_country_reasons_get_their_sentence_and_json_has_none() -> None:
    report = NormalizationReport()
    report.add("zip", PiiType.ZIP, Outcome.NULL, country="BR")
    report.add_country_rows("BR", 1)
    report.add("zip", PiiType.ZIP, Outcome.OK, country="US")
    report.add_country_rows("US", 1)
    text = _text(report)
    assert f"country.unsupported: {REASONS['country.unsupported']}" in text
    assert REASONS["country.unsupported"] not in report.to_json()


def test_a_clean_report_has_no_legend_and_unknown_codes_get_the_generic_sentence() -> None:
    clean = NormalizationReport()
    clean.add("email", PiiType.EMAIL, Outcome.OK)
    assert clean.render().caption is None
    assert reason_legend(["zip.pattern", "from.the.future", "zip.pattern"]) == [
        f"from.the.future: {describe_reason('from.the.future')}",
        f"zip.pattern: {REASONS['zip.pattern']}",
    ]
