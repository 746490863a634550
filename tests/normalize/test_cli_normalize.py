"""`amc-uploader normalize` / `inspect`, run as a real subprocess (the installed console script)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from amc_normalize import hash_value

PII = ["--pii", "email=EMAIL", "--pii", "phone=PHONE", "--pii", "zip=ZIP", "--pii", "first_name=FIRST_NAME"]
ROWS = [
    {"id": "1", "first_name": "Jean-Luc", "email": " John.Doe@Gmail.COM ", "phone": "5714120599",
     "zip": "75236-9599", "total": "12.50"},
    {"id": "2", "first_name": "Zoë", "email": "bad email", "phone": "", "zip": "7523", "total": "3"},
    {"id": "3", "first_name": "O'Brien", "email": hashlib.sha256(b"x@y.z").hexdigest(),
     "phone": "+44 20 7946 0958", "zip": "02134", "total": ""},
]  # fmt: skip
SECRET_VALUES = ["John.Doe", "Jean-Luc", "5714120599", "75236", "O'Brien", "Gmail"]


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "amc_uploader", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def read_output(path: Path) -> list[dict[str, str | None]]:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode()
    if ".csv" in path.name:
        return [{k: (v or None) for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]
    return [json.loads(line) for line in text.splitlines()]


def expected_rows() -> list[dict[str, str | None]]:
    types = {"email": "EMAIL", "phone": "PHONE", "zip": "ZIP", "first_name": "FIRST_NAME"}
    return [
        {k: (hash_value(v, types[k], "US") if k in types else (v or None)) for k, v in r.items()}
        for r in ROWS
    ]


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("in.csv", "out.csv"),
        ("in.jsonl", "out.jsonl"),
        ("in.csv.gz", "out.jsonl.gz"),
        ("in.jsonl.gz", "out.csv.gz"),
    ],
)
def test_round_trip(tmp_path: Path, src: str, dst: str) -> None:
    source, target, report = tmp_path / src, tmp_path / dst, tmp_path / "report.json"
    (write_csv if ".csv" in src else write_jsonl)(source, ROWS)
    result = run("normalize", source, target, "--country", "US", *PII, "--report", report)
    assert result.returncode == 0, result.stderr
    got = read_output(target)
    want = expected_rows()
    if ".jsonl" in dst:
        want = [
            {k: (v if v is not None else ("" if k == "total" else None)) for k, v in r.items()} for r in want
        ]
    assert got == want
    assert [r["id"] for r in got] == ["1", "2", "3"]
    data = json.loads(report.read_text())
    assert data["rows"] == 3
    assert data["columns"]["email"] == {
        "pii_type": "EMAIL", "rows": 3, "ok": 1, "null": 0, "prehashed": 1, "invalid": 1,
        "invalid_by_reason": {"email.no_at": 1},
    }  # fmt: skip
    assert data["columns"]["zip"]["invalid_by_reason"] == {"zip.pattern": 1}
    assert "email.no_at" in result.stdout  # the report table
    for value in SECRET_VALUES:
        assert value not in result.stdout + result.stderr + report.read_text()
    assert not list(tmp_path.glob(".*partial"))


def _bad_case(tmp_path: Path, case: str) -> Path:
    path = tmp_path / ("in.jsonl" if case.startswith("json") else "in.csv")
    if case == "missing_column":
        write_csv(path, [{"id": "1", "email": "a@b.co"}])
    elif case == "malformed_row":
        path.write_text("id,email,phone,zip,first_name\n1,a@b.co,1,2,x\n2,a@b.co\n", encoding="utf-8")
    elif case == "bad_quote":
        path.write_text('id,email,phone,zip,first_name\n1,"a@b.co"x,1,2,x\n', encoding="utf-8")
    elif case == "non_utf8":
        path.write_bytes(b"id,email,phone,zip,first_name\n1,a@b.co,1,2,x\n2,M\xfcller@b.co,1,2,x\n")
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "json_bad_line":
        path.write_text('{"id": 1, "email": "a@b.co", "phone": "", "zip": "", "first_name": ""}\n{"id": 2,\n')
    elif case == "json_empty":
        path.write_text("\n\n")
    elif case == "header_only":
        path.write_text("id,email,phone,zip,first_name\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "message", "out_name"),
    [
        ("missing_column", "'phone'", "out.csv"),
        ("malformed_row", ":3: row has 2 fields, the header has 5", "out.jsonl.gz"),
        ("bad_quote", ":2: malformed CSV", "out.csv"),
        ("non_utf8", ":3: not valid UTF-8", "out.csv.gz"),
        ("empty", "file is empty", "out.jsonl"),
        ("json_bad_line", ":2: not valid JSON", "out.csv.gz"),
        ("header_only", "no data rows", "out.csv"),
        ("json_empty", "file is empty", "out.jsonl"),
    ],
)
def test_bad_input_fails_cleanly(tmp_path: Path, case: str, message: str, out_name: str) -> None:
    source = _bad_case(tmp_path, case)
    target = tmp_path / out_name
    result = run("normalize", source, target, "--country", "US", *PII)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert source.name in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr
    assert "Müller" not in result.stderr and "a@b.co" not in result.stderr
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_failure_midway_removes_partial_output_and_keeps_old_file(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    good = "".join(f"{i},a{i}@b.co,5714120599,75236,Ann\n" for i in range(5000))
    source.write_bytes(b"id,email,phone,zip,first_name\n" + good.encode() + b"x,\xff,1,2,3\n")
    target = tmp_path / "out.csv"
    target.write_text("previous run\n")
    result = run("normalize", source, target, "--country", "US", *PII, "--force")
    assert result.returncode == 1
    assert ":5002: not valid UTF-8" in result.stderr
    assert target.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"x,\xff,1,2,3", ":5000: not valid UTF-8"),
        (b'x,"a"b,1,2,3', ":5000: malformed CSV"),
        (b'x,"a,1,2,3', ":5000: malformed CSV: unterminated quoted field"),
    ],
)
def test_errors_deep_in_a_file_name_their_own_line(tmp_path: Path, bad: bytes, message: str) -> None:
    source = tmp_path / "in.csv"
    good = [f"{i},a{i}@b.co,5714120599,75236,Ann\n".encode() for i in range(5998)]
    source.write_bytes(
        b"id,email,phone,zip,first_name\n" + b"".join(good[:4998]) + bad + b"\n" + b"".join(good[4998:])
    )
    result = run("normalize", source, tmp_path / "out.csv", "--country", "US", *PII)
    assert result.returncode == 1
    assert message in result.stderr, result.stderr


def test_tsv_is_read_and_written_with_tabs(tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("id\temail, work\n1\tAnn@Example.com\n", encoding="utf-8")
    target = tmp_path / "out.tsv"
    result = run("normalize", source, target, "--country", "US", "--pii", "email, work=EMAIL", "--quiet")
    assert result.returncode == 0, result.stderr
    header, row = target.read_text(encoding="utf-8").splitlines()
    assert header == "id\temail, work"
    assert row.split("\t")[0] == "1" and len(row.split("\t")[1]) == 64


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "US", "--pii", "email=SSN"], "unknown PII type 'SSN'"),
        (["--country", "BR", "--pii", "zip=ZIP"], "unsupported country code 'BR' for ZIP"),
        (["--country", "US", "--pii", "email"], "expected COLUMN=TYPE"),
    ],
)
def test_configuration_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    source = tmp_path / "in.csv"
    write_csv(source, ROWS)
    result = run("normalize", source, tmp_path / "out.csv", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    write_csv(source, ROWS)
    result = run("normalize", source, tmp_path / "out.xlsx", "--country", "US", "--pii", "email=EMAIL")
    assert result.returncode == 2 and "unknown file type" in result.stderr
    result = run(
        "normalize", tmp_path / "nope.csv", tmp_path / "out.csv", "--country", "US", "--pii", "email=EMAIL"
    )
    assert result.returncode == 2 and "file not found" in result.stderr


def test_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    write_csv(source, ROWS * 2000)
    result = run("normalize", source, tmp_path / "out.csv", "--country", "US", *PII)
    assert result.returncode == 0
    assert result.stderr == ""


def test_inspect_prints_types_and_suggestions_not_values(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    write_csv(source, ROWS)
    result = run("inspect", source, "--country", "US", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    columns = {c["column"]: c for c in data["columns"]}
    assert data["rows_sampled"] == 3
    assert columns["email"]["suggested_pii_type"] == "EMAIL"
    assert columns["zip"]["suggested_pii_type"] == "ZIP"
    assert columns["first_name"]["suggested_pii_type"] == "FIRST_NAME"
    assert columns["total"]["data_type"] == "DECIMAL" and columns["total"]["fill_rate"] == pytest.approx(
        2 / 3, abs=0.01
    )
    assert columns["id"]["data_type"] == "INTEGER"
    table = run("inspect", source, "--country", "US")
    assert table.returncode == 0
    assert "--pii email=EMAIL" in table.stdout
    for value in SECRET_VALUES:
        assert value not in result.stdout + table.stdout


def test_inspect_never_suggests_dates_or_amounts_as_zip(tmp_path: Path) -> None:
    """The defect of issue 11: `signup_date` was ZIP 0.80 and `2024-02-15` then hashed as `20240`."""
    source = tmp_path / "in.csv"
    dates = ["2024-02-15", "2023-11-03", "2024-01-20", "2022-07-09"]
    amounts = ["1,250.00", "12,999.99", "10,000.00", "45,120.50"]
    rows = [
        {"signup_date": d, "amount": a, "revenue": f"{i}2500.00", "zip": f"7523{i}"}
        for i, (d, a) in enumerate(zip(dates, amounts, strict=True))
    ]
    write_csv(source, rows)
    for country in ("US", "DE"):
        result = run("inspect", source, "--country", country, "--json")
        assert result.returncode == 0, result.stderr
        columns = {c["column"]: c for c in json.loads(result.stdout)["columns"]}
        assert columns["signup_date"]["suggested_pii_type"] is None
        assert columns["signup_date"]["data_type"] == "DATE"
        assert "date values" in columns["signup_date"]["reason"]
        assert columns["amount"]["suggested_pii_type"] is None
        assert columns["revenue"]["suggested_pii_type"] is None
        assert columns["zip"]["suggested_pii_type"] == "ZIP"
    table = run("inspect", source, "--country", "US")
    assert "--pii zip=ZIP" in table.stdout and "signup_date=" not in table.stdout


def test_inspect_warns_about_another_countrys_values(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = [
        {"country": "DE", "phone": "+49 30 1234567", "plz": "10115"},
        {"country": "DE", "phone": "+49 151 12345678", "plz": "80331"},
        {"country": "US", "phone": "(571) 412-0599", "plz": "75236"},
        {"country": "US", "phone": "212-555-0199", "plz": "98101"},
    ]
    write_csv(source, rows)
    result = run("inspect", source, "--country", "US", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    columns = {c["column"]: c for c in data["columns"]}
    assert columns["phone"]["suggested_pii_type"] == "PHONE"
    assert columns["phone"]["country_mismatch"] == [{"country": "DE", "share": 0.5}]
    assert columns["plz"]["country_mismatch"] == []  # five digits fit US as well as DE
    assert data["warnings"] == [
        "phone: 50% of the sampled rows look like DE, not US",
        "each row's own country: --country-column country",
    ]
    table = run("inspect", source, "--country", "US")
    assert "warning: phone: 50% of the sampled rows look like DE, not US" in table.stdout
    assert "--country-column country" in table.stdout
    for value in ("1234567", "10115", "412-0599"):
        assert value not in result.stdout + table.stdout
    alone = json.loads(run("inspect", source, "--json").stdout)
    assert alone["warnings"] == [] and all(c["country_mismatch"] == [] for c in alone["columns"])


def test_inspect_bad_input(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"a,b\n1,2,3\n")
    result = run("inspect", source)
    assert result.returncode == 1 and "in.csv:2: row has 3 fields, the header has 2" in result.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """With stderr on a (pseudo) terminal the progress bar is drawn; stdout stays the report."""
    import os
    import pty

    source = tmp_path / "in.csv"
    write_csv(source, ROWS * 3000)
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "amc_uploader",
                "normalize",
                str(source),
                str(tmp_path / "out.csv"),
                "-c",
                "US",
                *PII,
            ],
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=120,
            check=False,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
        )
        os.close(secondary)
        secondary = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    assert proc.returncode == 0
    assert b"in.csv" in drawn and b"\x1b[" in drawn  # the bar's description and terminal control codes
    assert b"\x1b[" not in proc.stdout  # the report on a pipe has no terminal codes
    assert b"9000 rows written" in proc.stdout


def test_normalize_consent_policy_and_report(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from amc_uploader.cli import app

    src = tmp_path / "eu.csv"
    src.write_text(
        "id,email,amzn_user_data\n1,a@example.com,granted\n2,b@example.com,\n3,c@example.com,DENIED\n",
        encoding="utf-8",
    )
    base = ["normalize", str(src), str(tmp_path / "out.csv"), "--country", "DE", "--pii", "email=EMAIL"]
    report = tmp_path / "report.json"
    done = CliRunner().invoke(
        app, [*base, "--consent", "amzn_user_data=AMZN_USER_DATA", "--report", str(report)]
    )
    assert done.exit_code == 0, done.output
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == ["id", "1"] and lines[1].endswith(",GRANTED")
    consent = json.loads(report.read_text())["consent"]
    assert consent["reasons"] == {"consent.denied": 1, "consent.missing": 1} and consent["rows_dropped"] == 2
    assert "consent.missing: 1" in done.stdout
    failed = CliRunner().invoke(
        app, [*base, "--consent", "amzn_user_data=AMZN_USER_DATA", "--missing-consent", "fail", "--force"]
    )
    assert failed.exit_code == 1 and "eu.csv, line 3" in " ".join(failed.output.split())
    assert "b@example.com" not in failed.output
    kept = CliRunner().invoke(app, [*base, "--missing-consent", "keep", "--report", str(report), "--force"])
    assert kept.exit_code == 0 and len((tmp_path / "out.csv").read_text().splitlines()) == 4
    assert json.loads(report.read_text())["consent"]["rows_kept_without_consent"] == 3
