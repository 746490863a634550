"""The CLI's report output prints each reason code beside its sentence (`amc_normalize.reasons`)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from amc_normalize.reasons import REASONS
from amc_uploader.cli import app

ROWS = "id,email,phone,amzn_user_data\n1,no-at-sign,(571) 412-0599,GRANTED\n2,a@example.com,12,\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_normalize_prints_the_sentences_and_keeps_the_json_codes_only(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    report = tmp_path / "report.json"
    args = ["normalize", str(source), str(tmp_path / "out.csv"), "-c", "DE", "-p", "email=EMAIL"]
    outcome = CliRunner().invoke(
        app,
        [*args, "-p", "phone=PHONE", "--consent", "amzn_user_data=AMZN_USER_DATA", "--report", str(report)],
    )
    assert outcome.exit_code == 0, outcome.output
    text = _one_line(outcome.stdout)
    for code in ("email.no_at", "consent.missing"):
        assert f"{code}: {REASONS[code]}" in text
    assert "consent.missing: 1" in text
    saved = report.read_text()
    assert "email.no_at" in saved and REASONS["email.no_at"] not in saved
    assert json.loads(saved)["columns"]["email"]["invalid_by_reason"] == {"email.no_at": 1}


def test_run_prints_the_sentences(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    outcome = CliRunner().invoke(
        app,
        [
            *["run", "-i", str(source), "-c", "DE", "-p", "email=EMAIL", "-p", "phone=PHONE"],
            *["--consent", "amzn_user_data=AMZN_USER_DATA", "--dataset-id", "d", "--dry-run"],
        ],
        env={"COLUMNS": "200"},
    )
    assert outcome.exit_code == 0, outcome.output
    text = _one_line(outcome.stdout)
    for code in ("email.no_at", "consent.missing"):
        assert f"{code}: {REASONS[code]}" in text
