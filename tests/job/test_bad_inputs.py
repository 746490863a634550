"""A corpus of bad input files: each fails with a clear error naming the file and the cause, and leaves
nothing staged (no data file, no manifest), even when the problem sits after many staged partitions."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.job import JobConfig, JobError, run_job

GOOD_ROWS = 600  # with a 1 KB cap these fill many partitions before a late error


def _good_lines(n: int = GOOD_ROWS) -> list[str]:
    return [f"{i},user{i}@example.com,2020-04-01T20:50:00Z" for i in range(n)]


HEADER = "id,email,ts"


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _around_line_5000(bad: bytes) -> bytes:
    """Header, good rows, ``bad`` on line 5000, then a thousand more good rows."""
    return _csv(HEADER, *_good_lines(4998)) + bad + b"\n" + _csv(*_good_lines(1000))


@dataclass(frozen=True)
class Case:
    files: dict[str, bytes]
    cause: str  # regex on the message
    bad_file: str  # the file the message must name
    extra: dict[str, Any] = field(default_factory=dict)


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


GOOD_JSON = [{"id": str(i), "email": f"u{i}@x.com", "ts": "2020-04-01T20:50:00Z"} for i in range(GOOD_ROWS)]

CASES: dict[str, Callable[[], Case]] = {
    "missing_column": lambda: Case(
        {"a.csv": _csv("id,mail,ts", "1,x@y.com,2020-01-01")}, "not in the file", "a.csv"
    ),
    "extra_column_second_file": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(5)), "b.csv": _csv(HEADER + ",extra", "1,x@y.com,2020-01-01,z")},
        "extra column.*'extra'|'extra'.*extra column",
        "b.csv",
    ),
    "missing_column_second_file": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(5)), "b.csv": _csv("id,email", "1,x@y.com")},
        "column missing",
        "b.csv",
    ),
    "column_order_second_file": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(5)), "b.csv": _csv("email,id,ts", "x@y.com,1,2020-01-01")},
        "different order",
        "b.csv",
    ),
    "ragged_row_short": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(), "7,x@y.com")},
        r":602: row has 2 fields, the header has 3",
        "a.csv",
    ),
    "ragged_row_long": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(), "7,x@y.com,2020-01-01,oops")}, "row has 4 fields", "a.csv"
    ),
    "unterminated_quote": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(), '8,"x@y.com,2020-01-01')},
        r":602: malformed CSV: unterminated quoted field",
        "a.csv",
    ),
    # A bad byte or quote deep in a file is reported on its own line (text is decoded in chunks ahead of
    # the parser; an open quote is only noticed at the end of the file).
    "bad_byte_line_5000": lambda: Case(
        {"a.csv": _around_line_5000(b"9,m\xfcller@x.de,2020-01-01")}, r"a\.csv:5000: not valid UTF-8", "a.csv"
    ),
    "quote_error_line_5000": lambda: Case(
        {"a.csv": _around_line_5000(b'9,"x@y.com"z,2020-01-01')}, r"a\.csv:5000: malformed CSV", "a.csv"
    ),
    "open_quote_line_5000": lambda: Case(
        {"a.csv": _around_line_5000(b'9,"x@y.com,2020-01-01')},
        r"a\.csv:5000: malformed CSV: unterminated quoted field",
        "a.csv",
    ),
    "wrong_encoding": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines()) + "9,müller@x.de,2020-01-01\n".encode("latin-1")},
        r":602: not valid UTF-8 text \(wrong encoding\?\)",
        "a.csv",
    ),
    "utf16_bom": lambda: Case(
        {"a.csv": "\n".join([HEADER, *_good_lines(3)]).encode("utf-16")}, "UTF-16 byte-order mark", "a.csv"
    ),
    "empty_file": lambda: Case({"a.csv": b""}, "empty", "a.csv"),
    "blank_lines_only": lambda: Case({"a.csv": b"\n\n\n"}, "empty", "a.csv"),
    "header_only": lambda: Case({"a.csv": _csv(HEADER)}, "no data rows", "a.csv"),
    "header_only_second_file": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines()), "b.csv": _csv(HEADER)}, "no data rows", "b.csv"
    ),
    "json_array_not_lines": lambda: Case(
        {"a.json": json.dumps(GOOD_JSON[:3], indent=1).encode()}, "JSON array.*not JSON lines", "a.json"
    ),
    "json_line_not_object": lambda: Case(
        {"a.jsonl": _jsonl(GOOD_JSON) + b"[1, 2, 3]\n"},
        r":601: JSON line is an array, not an object",
        "a.jsonl",
    ),
    "json_invalid_line": lambda: Case(
        {"a.jsonl": _jsonl(GOOD_JSON) + b'{"id": "1", "email": \n'}, r":601: not valid JSON", "a.jsonl"
    ),
    "json_unexpected_key": lambda: Case(
        {"a.jsonl": _jsonl([*GOOD_JSON, {"id": "1", "email": "a@b.c", "ts": "2020-01-01", "ssn": "x"}])},
        "'ssn'.*key not present in the first record",
        "a.jsonl",
    ),
    "truncated_gzip": lambda: Case(
        {"a.csv.gz": gzip.compress(_csv(HEADER, *_good_lines(3000)))[:-40]},
        "truncated or corrupt gzip",
        "a.csv.gz",
    ),
    "corrupt_gzip": lambda: Case(
        {"a.csv.gz": b"\x1f\x8b\x08\x00" + b"\x00garbage-not-deflate" * 10}, "corrupt gzip", "a.csv.gz"
    ),
    "duplicate_column_names": lambda: Case(
        {"a.csv": _csv("id,email,email,ts", "1,a@b.c,a@b.c,2020-01-01")},
        "'email'.*duplicate column name",
        "a.csv",
    ),
    "empty_column_name": lambda: Case(
        {"a.csv": _csv("id,,email,ts", "1,2,a@b.c,2020")}, "empty column name", "a.csv"
    ),
    "unparseable_timestamps": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(), "5,a@b.c,yesterday-ish")},
        r"'ts'.*unparseable timestamp.*first at .*a\.csv, line 602",
        "a.csv",
    ),
    "missing_event_time": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(), "5,a@b.c,")}, r"'ts'.*missing or unparseable", "a.csv"
    ),
    "bad_date_column": lambda: Case(
        {
            "a.csv": _csv(
                HEADER + ",birthday",
                *[g + ",1990-02-03" for g in _good_lines()],
                "1,a@b.c,2020-01-01,31.02.90",
            )
        },
        r"'birthday'.*unparseable",
        "a.csv",
        {"column_types": {"birthday": "DATE"}},
    ),
    "corrupt_parquet": lambda: Case(
        {"a.parquet": b"PAR1" + b"\x00" * 64 + b"PAR1"}, "not a readable Parquet", "a.parquet"
    ),
    "mixed_formats": lambda: Case(
        {"a.csv": _csv(HEADER, *_good_lines(3)), "b.jsonl": _jsonl(GOOD_JSON[:3])},
        "format JSONL differs",
        "b.jsonl",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_fails_clearly_and_stages_nothing(name: str, tmp_path: Path) -> None:
    case = CASES[name]()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for file_name, content in case.files.items():
        (inputs / file_name).write_bytes(content)
    out = tmp_path / "out"
    config = JobConfig.from_mapping(
        {
            "inputs": [str(inputs / n) for n in case.files],
            "dataset_id": "bad_inputs",
            "country_code": "US",
            "pii": {"email": "EMAIL"},
            "event_time": "ts",
            "instances": ["amcsandbox01", "amcsandbox02"],
            "output": str(out),
            "stage_only": True,
            "partition_cap_bytes": 1024,
            **case.extra,
        }
    )
    with pytest.raises(JobError) as info:
        run_job(config)
    message = str(info.value)
    assert case.bad_file in message, message
    assert re.search(case.cause, message), message
    assert "@" not in message  # never a value
    leftovers = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert leftovers == []


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_not_found_and_empty_glob(tmp_path: Path) -> None:
    for pattern, cause in (
        (str(tmp_path / "nope.csv"), "file not found"),
        (str(tmp_path / "*.csv"), "no input file"),
    ):
        config = JobConfig.from_mapping(
            {
                "inputs": [pattern],
                "dataset_id": "d",
                "instances": ["i"],
                "output": str(tmp_path),
                "stage_only": True,
            }
        )
        with pytest.raises(JobError, match=cause):
            run_job(config)
