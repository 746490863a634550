"""Spark: amc_normalize.spark parity with hash_value on conformance, synthetic and hostile values; the
Spark engine's staged output equals the local engine's; cap, report and atomicity on Spark."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from amc_normalize import hash_detailed
from amc_normalize.spark import column_strategy, hash_pii_columns, normalization_report
from amc_uploader.job import DataQualityError, InputError, JobConfig, run_job
from amc_uploader.job import spark_engine as spark_module
from amc_uploader.job.plan import build_plan
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.job.helpers import COUNTRIES, PII_COLUMNS, conformance_rows, manifest_files, write_csv

pytestmark = [pytest.mark.spark, pytest.mark.timeout(600)]

HOSTILE = [
    None,
    "",
    "   ",
    "\x1c\x1d",
    "\t\n",
    "\xa0",
    "Straße",
    "STRASSE",
    "ẞ",
    "İstanbul",
    "ISTANBUL",
    "ΣΊΣΥΦΟΣ",
    "Ærø Ødegård",
    "Jean-Luc O'Brien",
    "Ｆｕｌｌｗｉｄｔｈ",
    "😀 emoji",
    "Kelvin \u212a",
    "ǅemal",
    "a" * 64,
    "A" * 64,
    "0" * 64 + "\n",
    "0123456789abcdef" * 4,
    " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "John.Doe+news@Gmail.COM ",
    "ünïcödé@exämple.de",
    "@nope.com",
    "a@@b.com",
    "no-at-sign",
    "x@y",
    "New York",
    "NEWYORK",
    "ny",
    "Île-de-France",
    "Tx",
    "75236-9599",
    "７５２３６",
    "K1A 0B1",
    "sw1a 1aa",
    "SW1A1AA",
    "12",
    "+1 (571) 412-0599",
    "5714120599",
    "015112345678",
    "+49 151 12345678",
    "123 North Main Street, Apt. #5B",
    "C/O John (rear) 5 W. 3rd Ave",
    "Hauptstraße 5",
    "12-A Elm Rd.",
]


def _rows_for(country: str, conformance_dir: Path, n_synthetic: int) -> list[dict[str, str | None]]:
    rows: list[dict[str, Any]] = [dict(r) for r in conformance_rows(conformance_dir, country)]
    rows += [dict(r, id=f"s{i}") for i, r in enumerate(synthetic_rows(n_synthetic, seed=len(country)))]
    rows += [{"id": f"h{i}", **dict.fromkeys(PII_COLUMNS, value)} for i, value in enumerate(HOSTILE)]
    return [{k: (None if r.get(k) is None else str(r[k])) for k in ["id", *PII_COLUMNS]} for r in rows]


def test_column_strategies() -> None:
    assert {t: column_strategy(t) for t in PII_SPEC.values()} == {
        "FIRST_NAME": "hybrid",
        "LAST_NAME": "hybrid",
        "EMAIL": "hybrid",
        "PHONE": "udf",
        "ADDRESS": "udf",
        "CITY": "hybrid",
        "STATE": "hybrid",
        "ZIP": "hybrid",
    }


def test_spark_transform_matches_hash_detailed(spark: Any, conformance_dir: Path) -> None:
    from functools import reduce

    schema = ", ".join(f"`{c}` string" for c in ["cc", "id", *PII_COLUMNS])
    data = {cc: _rows_for(cc, conformance_dir, 200) for cc in COUNTRIES}
    df = spark.createDataFrame([{"cc": cc, **r} for cc, rows in data.items() for r in rows], schema=schema)
    # One Spark job: each country's rows through that country's transform, unioned.
    per_country = [
        df.filter(df.cc == cc).transform(hash_pii_columns(PII_COLUMNS, cc, outcome_columns=True))
        for cc in COUNTRIES
    ]
    out = reduce(lambda a, b: a.unionByName(b), per_country)
    got = {(r["cc"], r["id"]): r for r in out.toLocalIterator()}
    mismatches: list[tuple[str, str, str | None]] = []
    checked = 0
    for cc, rows in data.items():
        for row in rows:
            result = got[(cc, row["id"])]
            for column, pii_type in PII_COLUMNS.items():
                expected = hash_detailed(row[column], pii_type, cc)
                code = expected.outcome.value
                if code == "INVALID":
                    code = f"INVALID:{expected.reason}"
                checked += 1
                if result[column] != expected.value or result[f"{column}__outcome"] != code:
                    mismatches.append((cc, column, row[column]))
    assert checked > 9 * 800 * 8
    assert mismatches == []


def test_normalization_report_by_aggregation(spark: Any) -> None:
    rows = [{"email": v} for v in ["a@b.com", None, "  ", "bad", "0" * 64, "c@d.org"]]
    df = spark.createDataFrame(rows, schema="email string")
    out = df.transform(hash_pii_columns({"email": "EMAIL"}, "US", outcome_columns=True))
    report = normalization_report(out, {"email": "EMAIL"})
    column = report.columns["email"]
    assert (column.rows, column.ok, column.null, column.prehashed) == (6, 2, 2, 1)
    assert dict(column.invalid_by_reason) == {"email.no_at": 1}


def _staged_lines(out: Path) -> tuple[bytes, list[bytes], list[Path]]:
    manifests = sorted(out.rglob("manifest.txt"))
    assert len(manifests) == 1
    parts = manifest_files(manifests[0])
    header: bytes | None = None
    lines: list[bytes] = []
    for part in parts:
        body = gzip.decompress(part.read_bytes()).splitlines(keepends=True)
        assert header is None or body[0] == header
        header = body[0]
        lines.extend(body[1:])
    assert header is not None
    return header, lines, parts


def _job(tmp_path: Path, name: str, inputs: list[str], **extra: Any) -> JobConfig:
    return JobConfig.from_mapping(
        {
            "inputs": inputs,
            "dataset_id": "spark_ds",
            "instances": ["amcsandbox01"],
            "output": str(tmp_path / name),
            "stage_only": True,
            **extra,
        }
    )


@pytest.mark.parametrize("country", ["US", "DE", "JP", "GB"])
def test_spark_engine_output_equals_local_engine(
    spark: Any, tmp_path: Path, conformance_dir: Path, country: str, spark_csv_path: str
) -> None:
    rows = [dict(r) for r in conformance_rows(conformance_dir, country)]
    rows += [dict(r, id=f"s{i}") for i, r in enumerate(synthetic_rows(500, seed=3))]
    columns = ["id", *(c for c in PII_COLUMNS if c in rows[0])]
    src = write_csv(tmp_path / "in.csv", rows, columns)
    pii = {c: PII_COLUMNS[c] for c in columns[1:]}
    common: dict[str, Any] = {"pii": pii, "country_code": country, "missing_consent": "keep"}
    local = run_job(_job(tmp_path, "local", [str(src)], **common))
    config = _job(tmp_path, "spark", [str(src)], **common, engine="spark")
    by_ranges = spark_module._line_ranges(spark, build_plan(config, "path"))
    assert (by_ranges is not None) is (spark_csv_path == "ranges")
    on_spark = run_job(config, spark=spark)
    local_header, local_lines, _ = _staged_lines(tmp_path / "local")
    spark_header, spark_lines, _ = _staged_lines(tmp_path / "spark")
    assert spark_header == local_header
    if by_ranges is not None:
        assert spark_lines == local_lines  # byte-identical rows, in input order
    else:
        assert sorted(spark_lines) == sorted(local_lines)  # byte-identical rows (order differs by partition)
    assert on_spark.report.normalization == local.report.normalization
    assert on_spark.report.rows_out == local.report.rows_out == len(rows)


def test_spark_engine_cap_timestamps_and_report(spark: Any, tmp_path: Path) -> None:
    rows = list(synthetic_rows(2000, seed=21))
    src = write_csv(tmp_path / "in.csv", rows)
    config = _job(
        tmp_path,
        "out",
        [str(src)],
        pii=PII_SPEC,
        country_code="FR",
        missing_consent="keep",  # no consent columns in this file; consent: tests/job/test_consent.py
        event_time="purchase_ts",
        partition_cap_bytes=16_384,
        file_format="JSONL",
        drop=["amount"],
        engine="spark",
    )
    result = run_job(config, spark=spark)
    manifest = next((tmp_path / "out").rglob("manifest.txt"))
    parts = manifest_files(manifest)
    on_disk = sorted(p for p in manifest.parent.iterdir() if p.name.endswith(".json.gz"))
    assert sorted(parts) == on_disk and len(parts) == result.report.partitions > 4
    assert all(p.stat().st_size <= 16_384 for p in parts)
    staged = [json.loads(line) for p in parts for line in gzip.decompress(p.read_bytes()).splitlines()]
    assert len(staged) == 2000 == result.report.rows_out
    by_id = {r["customer_id"]: r for r in staged}
    from amc_uploader.job import convert_timestamp

    for raw in rows[:200]:
        out = by_id[raw["customer_id"]]
        assert list(out) == ["customer_id", *PII_SPEC, "purchase_ts"]
        assert out["purchase_ts"] == convert_timestamp(raw["purchase_ts"])
        assert out["phone"] == hash_detailed(raw["phone"], "PHONE", "FR").value
    report = json.loads((manifest.parent / "report.json").read_text())
    assert report["engine"] == "spark" and report["normalization"]["rows"] == 2000


def test_spark_engine_failures_stage_nothing(spark: Any, tmp_path: Path, spark_csv_path: str) -> None:
    good = [{"id": str(i), "email": f"u{i}@x.com", "ts": "2020-01-01T00:00:00Z"} for i in range(3000)]
    bad_ts = write_csv(tmp_path / "bad_ts.csv", [*good, {"id": "x", "email": "a@b.c", "ts": "soon"}])
    config = _job(tmp_path, "out1", [str(bad_ts)], pii={"email": "EMAIL"}, country_code="US", event_time="ts")
    config = config.model_copy(update={"engine": "spark", "partition_cap_bytes": 2048})
    with pytest.raises(DataQualityError, match="'ts': 1 of 3001 rows"):
        run_job(config, spark=spark)
    assert not [p for p in (tmp_path / "out1").rglob("*") if p.is_file()]

    ragged = tmp_path / "ragged.csv"
    write_csv(ragged, good)
    with ragged.open("a") as f:
        f.write("1,2,3,4,5\n")
    config = _job(tmp_path, "out2", [str(ragged)], pii={"email": "EMAIL"}, country_code="US", engine="spark")
    with pytest.raises(InputError, match=r"ragged\.csv:3002: row has 5 fields, the header has 3") as info:
        run_job(config, spark=spark)
    assert "@" not in str(info.value)
    assert not [p for p in (tmp_path / "out2").rglob("*") if p.is_file()]


def test_spark_engine_names_gzip_content_without_its_extension(spark: Any, tmp_path: Path) -> None:
    """Spark decompresses by extension: gzip bytes in a `.csv` file fail with the job's own one-line
    error (not a generic Spark failure), before anything is staged."""
    plain = write_csv(tmp_path / "plain.csv", [{"id": str(i), "email": f"u{i}@x.com"} for i in range(50)])
    hidden = tmp_path / "hidden.csv"
    hidden.write_bytes(gzip.compress(plain.read_bytes()))
    config = _job(tmp_path, "out", [str(hidden)], pii={"email": "EMAIL"}, country_code="US", engine="spark")
    with pytest.raises(InputError, match=r"hidden\.csv: gzip content without a \.gz extension"):
        run_job(config, spark=spark)
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def _hostile_jsonl(path: Path) -> Path:
    """JSON lines with the values of issue 12: nested values, booleans and lone surrogates in PII and
    plain columns, out-of-range and odd timestamps, strings that only look like JSON."""
    rows: list[dict[str, Any]] = [
        {
            "id": "ok",
            "email": "jane@example.com",
            "name": "Jane",
            "note": "plain",
            "ts": "2020-01-01T00:00:00Z",
        },
        {"id": "obj", "email": {"primary": "jane@example.com"}, "name": True, "note": {"k": [1, "x", None]}},
        {"id": "list", "email": ["jane@example.com"], "name": False, "note": [1, 2.5, {"a": "b"}]},
        {"id": "sur", "email": "jane\ud800@example.com", "name": "Jane\udfff", "note": "a\ud800b\udc00"},
        {"id": "sur2", "email": "x@example.com", "name": "Zoë", "note": {"deep": "q\ud800"}},
        {"id": "looks", "email": "[x]@example.com", "name": "true", "note": "[not json"},
        {"id": "num", "email": 5, "name": "\u00e9mile", "note": True, "ts": "0001-01-01T05:00:00+05:00"},
        {"id": "low", "email": "a@b.com", "name": "Al", "note": "x", "ts": "0001-01-01T00:00:00+05:00"},
        {"id": "high", "email": "a@b.com", "name": "Al", "note": "x", "ts": "9999-12-31T23:00:00-05:00"},
        {"id": "odd", "email": "a@b.com", "name": "Al", "note": "x", "ts": "+2020-01-01"},
        {"id": "tsobj", "email": "a@b.com", "name": "Al", "note": "x", "ts": {"t": 1}},
    ]
    rows += [{"id": f"g{i}", "email": f"u{i}@example.com", "name": f"N{i}", "note": "n"} for i in range(40)]
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({"ts": None, **row}) + "\n")  # json.dumps writes "\ud800" as an escape
    return path


def _hostile_parquet(path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 30
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(n)],
            "email": pa.array([{"primary": f"u{i}@example.com"} if i % 3 else None for i in range(n)]),
            "name": [i % 2 == 0 for i in range(n)],
            "tags": [["a", "b\u00e9"] if i % 2 else [] for i in range(n)],
            "attrs": pa.array([[("k", f"v{i}")] for i in range(n)], type=pa.map_(pa.string(), pa.string())),
            "city": pa.array([["Paris"] for _ in range(n)]),
        }
    )
    pq.write_table(table, path)
    return path


def test_spark_engine_hostile_values_equal_local_engine(spark: Any, tmp_path: Path) -> None:
    from amc_normalize.common import TEXT_INVALID_UNICODE, VALUE_BOOLEAN, VALUE_NESTED

    jsonl = _hostile_jsonl(tmp_path / "hostile.jsonl")
    parquet = _hostile_parquet(tmp_path / "hostile.parquet")
    cases = [
        (
            jsonl,
            {"email": "EMAIL", "name": "FIRST_NAME"},
            {"ts": "TIMESTAMP", "note": "STRING"},
            "CSV",
        ),
        (parquet, {"email": "EMAIL", "name": "FIRST_NAME", "city": "CITY"}, {}, "CSV"),
    ]
    for source, pii, types, file_format in cases:
        common: dict[str, Any] = {
            "pii": pii,
            "country_code": "US",
            "missing_consent": "keep",
            "column_types": types,
            "max_timestamp_failure_share": 0.5,
            "file_format": file_format,
        }
        name = source.suffix[1:]
        local = run_job(_job(tmp_path, f"local_{name}", [str(source)], **common))
        on_spark = run_job(
            _job(tmp_path, f"spark_{name}", [str(source)], **common, engine="spark"), spark=spark
        )
        local_header, local_lines, _ = _staged_lines(tmp_path / f"local_{name}")
        spark_header, spark_lines, _ = _staged_lines(tmp_path / f"spark_{name}")
        assert spark_header == local_header
        assert sorted(spark_lines) == sorted(local_lines)
        assert on_spark.report.normalization == local.report.normalization
        assert on_spark.report.timestamp_failures == local.report.timestamp_failures
        assert on_spark.report.rows_out == local.report.rows_out
        columns = {c: v["invalid_by_reason"] for c, v in local.report.normalization["columns"].items()}
        if source is jsonl:
            assert local.report.timestamp_failures == {"ts": 4}  # low, high, odd, tsobj: counted, dropped
            assert columns["email"] == {VALUE_NESTED: 2, TEXT_INVALID_UNICODE: 1, "email.no_at": 1}
            assert columns["name"] == {VALUE_BOOLEAN: 2, TEXT_INVALID_UNICODE: 1}
            text = b"".join(local_lines).decode()
            assert "a\ufffdb\ufffd" in text and "q\ufffd" in text  # plain columns: U+FFFD, row kept
            assert "?" not in text
        else:
            assert columns["email"] == {VALUE_NESTED: 20}
            assert columns["name"] == {VALUE_BOOLEAN: 30}
            assert columns["city"] == {VALUE_NESTED: 30}


def test_binary_cells_are_utf8_text_or_invalid(spark: Any) -> None:
    """A Parquet BYTE_ARRAY column without a string annotation arrives as binary: a cell is decoded as
    UTF-8 and hashed like the text; a cell that is no UTF-8 is `text.invalid_unicode` (never b'...')."""
    from amc_normalize.common import TEXT_INVALID_UNICODE

    cells: list[bytes | None] = [
        b"Jane.Doe@Example.com",
        "ünï@exämple.de".encode(),
        b"bad\xff@example.com",
        b"\xed\xa0\x80@example.com",  # an encoded surrogate: no UTF-8
        b"\xc0\x80@example.com",  # overlong NUL
        None,
        b"0" * 64,
    ]
    df = spark.createDataFrame([(i, c) for i, c in enumerate(cells)], "i int, email binary")
    out = df.transform(hash_pii_columns({"email": "EMAIL"}, "US", outcome_columns=True)).collect()
    got = {r["i"]: (r["email"], r["email__outcome"]) for r in out}
    for i, cell in enumerate(cells):
        try:
            text = None if cell is None else cell.decode()
        except UnicodeDecodeError:
            assert got[i] == (None, f"INVALID:{TEXT_INVALID_UNICODE}"), i
            continue
        expected = hash_detailed(text, "EMAIL", "US")
        assert got[i][0] == expected.value, i
        assert got[i][1].partition(":")[0] == expected.outcome.value, i


def test_python_part_in_the_consumer_matches_hash_detailed(spark: Any, conformance_dir: Path) -> None:
    """`hash_pii_columns(python_suffix=...)` (no UDF) completed by `python_completer`, as the job's writer
    does, in the nine countries: every value equals `hash_detailed`, hash and outcome."""
    from functools import reduce

    from amc_normalize.spark import python_completer

    schema = ", ".join(f"`{c}` string" for c in ["cc", "id", *PII_COLUMNS])
    data = {cc: _rows_for(cc, conformance_dir, 100) for cc in COUNTRIES}
    df = spark.createDataFrame([{"cc": cc, **r} for cc, rows in data.items() for r in rows], schema=schema)
    per_country = [
        df.filter(df.cc == cc).transform(
            hash_pii_columns(PII_COLUMNS, cc, outcome_columns=True, python_suffix="__py")
        )
        for cc in COUNTRIES
    ]
    out = reduce(lambda a, b: a.unionByName(b), per_country)
    got = {(r["cc"], r["id"]): r for r in out.toLocalIterator()}
    mismatches: list[tuple[str, str, str | None]] = []
    for cc, rows in data.items():
        for column, pii_type in PII_COLUMNS.items():
            complete = python_completer(pii_type, cc)
            for row in rows:
                result = got[(cc, row["id"])]
                hashes, outcomes = [result[column]], [result[f"{column}__outcome"]]
                complete([result[f"{column}__py"]], hashes, outcomes)
                expected = hash_detailed(row[column], pii_type, cc)
                code = expected.outcome.value
                if code == "INVALID":
                    code = f"INVALID:{expected.reason}"
                if (hashes[0], outcomes[0]) != (expected.value, code):
                    mismatches.append((cc, column, row[column]))
    assert mismatches == []


def test_job_plan_has_one_python_stage(spark: Any, tmp_path: Path) -> None:
    """The job's Spark plan runs Python once per batch (the writer): every PII type, the time column
    and the Python-only values included; no UDF node besides it."""
    import re

    from amc_uploader.job.plan import build_plan
    from amc_uploader.job.spark_engine import job_frame

    src = write_csv(tmp_path / "in.csv", list(synthetic_rows(50, seed=5)))
    config = _job(tmp_path, "out", [str(src)], pii=PII_SPEC, country_code="US", event_time="purchase_ts")
    frame = job_frame(spark, build_plan(config, "plan-test"), [])
    executed = frame._jdf.queryExecution().executedPlan().toString()
    python_nodes = re.findall(r"ArrowEvalPython|BatchEvalPython|MapInPandas|PythonMapInArrow", executed)
    assert python_nodes == ["PythonMapInArrow"], executed[:2000]


def test_quiet_spark_logs_silences_spark_and_restores_its_levels(spark: Any) -> None:
    from amc_uploader.job.spark_engine import quiet_spark_logs

    log4j = spark.sparkContext._jvm.org.apache.logging.log4j

    def level(name: str) -> str:
        return str(log4j.LogManager.getLogger(name).getLevel().toString())

    before = {name: level(name) for name in ("org.apache.spark", "org.apache.spark.executor.Executor")}
    with quiet_spark_logs(spark):
        assert level("org.apache.spark.executor.Executor") == "OFF"
        assert level("org.apache.spark.scheduler.TaskSetManager") == "OFF"
    assert {name: level(name) for name in before} == before
    spark.sparkContext.setLogLevel("WARN")  # an inherited level follows the root again
    assert level("org.apache.spark.executor.Executor") == "WARN"
    spark.sparkContext.setLogLevel("ERROR")
