"""Per-row country parity: the nine conformance countries in one shuffled file, the country column in
mixed spellings (blanks take the default), hashed by each row's own country identically by
`normalize_records`, pandas, the local job engine and Spark (adapter and job engine)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from amc_normalize import NormalizationReport, hash_value, normalize_records
from amc_normalize.country import COUNTRY_UNKNOWN, COUNTRY_UNSUPPORTED
from amc_normalize.row_country import row_hash_function
from amc_uploader.job import JobConfig, run_job
from tests.job.helpers import (
    COUNTRIES,
    PII_COLUMNS,
    conformance_rows,
    find_manifest,
    read_staged_jsonl,
    write_jsonl,
)

DEFAULT = "US"
# How the country column spells each country, cycled over its rows ("" and None: the default, US only).
SPELLINGS = {
    "US": ["United States", "us", " USA ", "", None, "U.S.A."],
    "GB": ["UK", "gb", "United Kingdom", "GBR", "England"],
    "CA": ["ca", " CA ", "Canada", "CAN"],
    "DE": ["de", " DE ", "Deutschland", "DEU", "Germany"],
    "FR": ["fr", "FRA", "France", "Frankreich"],
    "ES": ["es", "ESP", "España", "Spain"],
    "IT": ["it", "ITA", "Italia", " it "],
    "JP": ["jp", "JPN", "日本", "Japan"],
    "IN": ["in", "IND", "India", "भारत"],
}
# Rows of DE data under other countries: (spelling, staged code); the blank takes the default.
OTHERS = [("Narnia", None), ("Brasil", "BR"), ("  ", DEFAULT)]
OUTCOME = "__outcome"


def _build(conformance_dir: Path) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """The shuffled rows and each row id's staged country code."""
    rows: list[dict[str, Any]] = []
    codes: dict[str, str | None] = {}
    for cc in COUNTRIES:
        for i, row in enumerate(conformance_rows(conformance_dir, cc)):
            row = {k: v for k, v in row.items() if k == "id" or k in PII_COLUMNS}
            row["id"] = f"{cc}-{row['id']}"
            row.setdefault("state", None)
            row["country"] = SPELLINGS[cc][i % len(SPELLINGS[cc])]
            rows.append(row)
            codes[row["id"]] = cc
    base = conformance_rows(conformance_dir, "DE")
    for i, (spelling, code) in enumerate(OTHERS):
        for j, row in enumerate(base[:5]):
            row = {k: v for k, v in row.items() if k in PII_COLUMNS}
            if j == 0:
                row["phone"] = "+49 151 12345678"  # international: valid without a country
            row.update(id=f"none{i}-{j}", country=spelling)
            row.setdefault("state", None)
            rows.append(row)
            codes[row["id"]] = code
    random.Random(11).shuffle(rows)
    return rows, codes


def _expected(row: dict[str, Any], code: str | None) -> dict[str, str | None]:
    if code in COUNTRIES:
        return {c: hash_value(row.get(c), t, code) for c, t in PII_COLUMNS.items()}
    key = COUNTRY_UNSUPPORTED if code else COUNTRY_UNKNOWN
    return {c: row_hash_function(t, key)(row.get(c)) for c, t in PII_COLUMNS.items()}


@pytest.fixture(scope="module")
def mixed(conformance_dir: Path) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    return _build(conformance_dir)


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in rows}


def _check(out: list[dict[str, Any]], rows: list[dict[str, Any]], codes: dict[str, str | None]) -> None:
    raw = _by_id(rows)
    assert len(out) == len(rows)
    mismatches = []
    for got in out:
        row_id = str(got["id"])
        code = codes[row_id]
        assert got["country"] == code, row_id
        for column, digest in _expected(raw[row_id], code).items():
            if got.get(column) != digest:
                mismatches.append((row_id, column))
    assert not mismatches, mismatches[:10]


def _local_report(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], NormalizationReport]:
    report = NormalizationReport()
    out = list(normalize_records(rows, PII_COLUMNS, DEFAULT, report=report, country_column="country"))
    return out, report


def test_records_hash_each_row_by_its_country(mixed: Any) -> None:
    rows, codes = mixed
    out, report = _local_report(rows)
    _check(out, rows, codes)
    assert set(report.countries) == {*COUNTRIES, "BR", "unknown"}
    assert report.countries["unknown"].rows == 5
    assert report.countries["BR"].rows == 5
    assert report.countries["US"].rows == sum(1 for c in codes.values() if c == "US")
    zip_reasons = report.columns["zip"].invalid_by_reason
    assert zip_reasons[COUNTRY_UNKNOWN] == 5
    assert zip_reasons[COUNTRY_UNSUPPORTED] == 5
    # Country-independent rules still apply; PHONE only in international form.
    assert report.countries["unknown"].columns["email"].ok == 5
    assert report.countries["unknown"].columns["phone"].ok == 1
    assert report.countries["unknown"].columns["phone"].invalid_by_reason[COUNTRY_UNKNOWN] == 4
    assert NormalizationReport.from_dict(report.to_dict()) == report


def test_blank_without_default_is_unknown(mixed: Any) -> None:
    rows, _ = mixed
    report = NormalizationReport()
    out = list(normalize_records(rows, PII_COLUMNS, None, report=report, country_column="country"))
    blank = [
        o for o, r in zip(out, rows, strict=True) if r["country"] is None or not str(r["country"]).strip()
    ]
    assert blank and all(o["country"] is None for o in blank)
    assert report.countries["unknown"].rows == 5 + len(blank)


def test_pandas_equals_records(mixed: Any) -> None:
    import pandas as pd

    from amc_normalize.pandas import normalize_frame

    rows, codes = mixed
    frame = pd.DataFrame(rows)
    out, report = normalize_frame(frame, PII_COLUMNS, DEFAULT, country_column="country")
    _check(out.astype(object).where(out.notna(), None).to_dict("records"), rows, codes)
    assert report == _local_report(rows)[1]


def _job(tmp_path: Path, source: Path, engine: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out_dir = tmp_path / engine
    config = JobConfig(
        inputs=[str(source)],
        pii=PII_COLUMNS,
        country_code=DEFAULT,
        country_column="country",
        dataset_id="mixed",
        instances=["amc1"],
        output=str(out_dir),
        file_format="JSONL",
        engine=engine,  # type: ignore[arg-type]
        stage_only=True,
        missing_consent="keep",  # no consent column here: EEA/UK rows stay (consent has its own tests)
    )
    result = run_job(config)
    return read_staged_jsonl(find_manifest(out_dir)), result.report.normalization


def test_local_job_engine(mixed: Any, tmp_path: Path) -> None:
    rows, codes = mixed
    staged, normalization = _job(tmp_path, write_jsonl(tmp_path / "mixed.jsonl", rows), "local")
    _check(staged, rows, codes)
    assert normalization == _local_report(rows)[1].to_dict()


@pytest.mark.spark
@pytest.mark.timeout(900)
def test_spark_adapter_and_engine(mixed: Any, spark: Any, tmp_path: Path) -> None:
    from amc_normalize.spark import hash_pii_columns, normalization_report

    rows, codes = mixed
    source = write_jsonl(tmp_path / "mixed.jsonl", rows)
    local_report = _local_report(rows)[1]

    schema = ", ".join(f"`{c}` string" for c in rows[0])
    df = spark.createDataFrame([{k: r.get(k) for k in rows[0]} for r in rows], schema).repartition(2)
    hashed = df.transform(
        hash_pii_columns(
            PII_COLUMNS, DEFAULT, outcome_columns=True, outcome_suffix=OUTCOME, country_column="country"
        )
    ).cache()
    _check([r.asDict() for r in hashed.collect()], rows, codes)
    report = normalization_report(hashed, PII_COLUMNS, outcome_suffix=OUTCOME, country_column="country")
    assert report == local_report

    staged, normalization = _job(tmp_path, source, "spark")
    _check(staged, rows, codes)
    assert normalization == local_report.to_dict()
