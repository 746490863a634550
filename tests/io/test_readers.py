"""amc_uploader.io entry points: every format through one reader, previews, sources, limits."""

from __future__ import annotations

import gzip
import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.io import (
    MAX_COLUMNS,
    FileKind,
    InputFormat,
    RecordFileError,
    Source,
    detect_source_kind,
    open_table,
    read_head,
)


def _rows(path: Path | Source, **options: Any) -> list[tuple[int, list[Any]]]:
    with open_table(path, **options) as reader:
        return list(reader.rows(empty_as_none=True))


def test_tsv_reads_with_tabs_even_when_the_header_has_commas(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("name, first\tzip\nAnn, B\t\n", encoding="utf-8")
    with open_table(path) as reader:
        assert reader.header == ["name, first", "zip"]
        assert reader.delimiter == "\t"
        assert list(reader.rows(empty_as_none=True)) == [(2, ["Ann, B", None])]


def test_header_names_are_stripped(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(" id , email\n1,x\n", encoding="utf-8")
    with open_table(path) as reader:
        assert reader.header == ["id", "email"]


def test_gzip_is_detected_from_the_content(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(gzip.compress(b"a;b\n1;2\n"))
    assert detect_source_kind(Source.of(path)) == FileKind(InputFormat.CSV, True)
    assert _rows(path) == [(2, ["1", "2"])]


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n')
    assert detect_source_kind(Source.of(path)).format is InputFormat.JSONL
    assert _rows(path) == [(1, [1]), (2, [2])]


def test_parquet_rows_and_head(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"email": ["a@x.com", None, "c@x.com"], "n": [1, 2, 3]}), path)
    assert _rows(path) == [(1, ["a@x.com", 1]), (2, [None, 2]), (3, ["c@x.com", 3])]
    head = read_head(path, 2)
    assert head.kind.format is InputFormat.PARQUET
    assert head.columns == ["email", "n"] and head.rows == [["a@x.com", 1], [None, 2]]


def test_head_stops_early_and_follows_the_same_rules(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,\n2,3\n" + "4,5,6\n", encoding="utf-8")
    assert read_head(path, 2).rows == [["1", None], ["2", "3"]]
    with pytest.raises(RecordFileError, match=r"a\.csv:4: row has 3 fields") as info:
        read_head(path, 10)
    assert info.value.code == "ragged_row" and info.value.line == 4


def test_a_callers_stream_is_a_source(tmp_path: Path) -> None:
    content = gzip.compress(b"id,email\n1,x\n")
    source = Source("s3://bucket/upload.csv.gz", opener=lambda: io.BytesIO(content))
    assert _rows(source) == [(2, ["1", "x"])]
    bad = Source("upload.csv", opener=lambda: io.BytesIO(b"id\n" + b"1\n" * 10 + b"\xff\n"))
    with pytest.raises(RecordFileError, match=r"^upload\.csv:12: not valid UTF-8"):
        _rows(bad)


def test_too_many_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(RecordFileError, match=f"at most {MAX_COLUMNS}"):
        open_table(path)


def test_errors_never_quote_a_value(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"email": "a@x.com"}\n{"email": "secret@x.com", "x": 1}\n', encoding="utf-8")
    with pytest.raises(RecordFileError) as info:
        _rows(path)
    assert str(info.value).endswith("a.jsonl:2: a key not present in the first record")


def test_s3_source_and_missing_object(s3: Any) -> None:
    bucket = f"io-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.csv.gz", Body=gzip.compress(b"id,email\n1,x\n2,y\n"))
    source = Source(f"s3://{bucket}/in/a.csv.gz")
    assert detect_source_kind(source, s3_client=s3) == FileKind(InputFormat.CSV, True)
    assert _rows(source, s3_client=s3) == [(2, ["1", "x"]), (3, ["2", "y"])]
    with pytest.raises(RecordFileError, match="NoSuchKey") as info:
        open_table(Source(f"s3://{bucket}/none.csv"), s3_client=s3)
    assert info.value.code == "file_not_found"


@pytest.mark.parametrize(
    ("name", "position", "described"),
    [
        ("email", 2, "column 'email'"),
        ("address_line2", 3, "column 'address_line2'"),
        ("jane.doe@example.com", 4, "column 4"),
        ("+1 555 867 5309", 5, "column 5"),
        ("2020-04-01", 1, "column 1"),
        ("42", 2, "column 2"),
        ("x" * 65, 1, "column 1"),
        ("bob@example.com", None, "a column whose name looks like a value"),
    ],
)
def test_a_header_that_looks_like_a_value_is_described_not_quoted(
    name: str, position: int | None, described: str
) -> None:
    error = RecordFileError("a.csv", "extra column", line=1, column=name, position=position)
    assert str(error) == f"a.csv:1: {described}: extra column"


def test_parquet_binary_cells_are_utf8_text(tmp_path: Path) -> None:
    """Binary cells are decoded as UTF-8; an invalid sequence becomes a lone surrogate (not Unicode: PII
    columns count it invalid, plain columns write U+FFFD), never the bytes' repr."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "binary.parquet"
    values = [b"ann@example.com", "Zo\u00eb".encode(), b"bad\xff\xfe", None]
    pq.write_table(pa.table({"v": pa.array(values, pa.binary())}), path)
    rows = [values[0] for _, values in _rows(path)]
    assert rows == ["ann@example.com", "Zo\u00eb", "bad\ud800\ud800", None]
