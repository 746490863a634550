"""amc_uploader.io: the extension table, streaming readers with line numbers, all-or-nothing writer."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from amc_uploader.io import (
    CsvDialect,
    FileKind,
    InputFormat,
    RecordFileError,
    RecordWriter,
    detect_kind,
    open_table,
)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.csv", FileKind(InputFormat.CSV, False)),
        ("a.CSV.GZ", FileKind(InputFormat.CSV, True)),
        ("a.tsv.gz", FileKind(InputFormat.CSV, True, "\t")),
        ("a.b.jsonl", FileKind(InputFormat.JSONL, False)),
        ("a.ndjson.gz", FileKind(InputFormat.JSONL, True)),
        ("a.parquet", FileKind(InputFormat.PARQUET, False)),
    ],
)
def test_detect_kind(name: str, kind: FileKind) -> None:
    assert detect_kind(name) == kind


def test_detect_kind_rejects_unknown() -> None:
    with pytest.raises(RecordFileError, match="unknown file type"):
        detect_kind("a.xlsx")


def test_csv_reader_multiline_bom_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes('\ufeffname,note\n"Ann","two\nlines"\n\nBob,x\n'.encode())
    with open_table(path) as reader:
        assert reader.columns == ["name", "note"]
        got = []
        for record in reader:
            got.append((reader.line, record))
    assert got == [(3, {"name": "Ann", "note": "two\nlines"}), (5, {"name": "Bob", "note": "x"})]


def test_header_only_csv_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n")
    with open_table(path) as reader:
        assert reader.columns == ["a", "b"]
        with pytest.raises(RecordFileError, match="no data rows"):
            list(reader)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a,a\n1,2\n", "a.csv:1: column 'a': duplicate column"),
        (b"a,\n1,2\n", "a.csv:1: empty column name at position 2"),
        (b"a,b\n1,2\n\xc3\x28,1\n", "a.csv:3: not valid UTF-8"),
    ],
)
def test_csv_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(RecordFileError) as info, open_table(path) as reader:
        list(reader)
    assert message in str(info.value)


def test_gzip_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(RecordFileError, match=r"a\.csv\.gz:1: truncated or corrupt gzip data"):
        open_table(path)
    truncated = tmp_path / "b.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:-20])
    corrupt = "truncated or corrupt gzip data"
    with pytest.raises(RecordFileError, match=corrupt), open_table(truncated) as reader:
        list(reader)


def test_writer_commits_or_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv.gz"
    with RecordWriter(target, ["a", "b"]) as writer:
        writer.write({"a": "1", "b": None})
        writer.write({"a": 2, "b": {"x": [1]}})
    assert gzip.decompress(target.read_bytes()).decode() == 'a,b\n1,\n2,"{""x"":[1]}"\n'
    with pytest.raises(RecordFileError, match="column 'c'"), RecordWriter(tmp_path / "other.csv", ["a"]) as w:
        w.write({"a": "1"})
        w.write({"a": "1", "c": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv.gz"]


@pytest.mark.parametrize(("sep", "expected"), [(";", ";"), ("\t", "\t"), ("|", "|"), (",", ",")])
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, sep: str, expected: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"name{sep}zip\nAnn{sep}10115\n", encoding="utf-8")
    with open_table(path) as reader:
        assert reader.delimiter == expected
        assert list(reader) == [{"name": "Ann", "zip": "10115"}]


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a;b,c\n1;2,3\n", encoding="utf-8")
    with open_table(path, dialect=CsvDialect(";")) as reader:
        assert reader.columns == ["a", "b,c"]
        assert list(reader) == [{"a": "1", "b,c": "2,3"}]


@pytest.mark.parametrize("columns", [[], ["a"], ["a", "b"]])
def test_writer_any_width(tmp_path: Path, columns: list[str]) -> None:
    target = tmp_path / "o.csv"
    with RecordWriter(target, columns) as writer:
        writer.write(dict.fromkeys(columns, "1"))
        writer.write({})  # missing columns are empty cells
    lines = target.read_text().splitlines()
    # A lone empty field is quoted so the row is not mistaken for a blank line.
    empty = '""' if len(columns) == 1 else ",".join("" for _ in columns)
    assert lines[1:] == [",".join("1" for _ in columns), empty]


@pytest.mark.parametrize("name", ["out.csv", "out.jsonl", "out.csv.gz"])
def test_writer_plain_lone_surrogate_is_replacement_character(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with RecordWriter(path, ["a", "b"]) as writer:
        writer.write({"a": "x\ud800y", "b": {"k": "\udfff"}})
        writer.commit()
    data = path.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")
    assert "x\ufffdy" in text and "\ufffd" in text.split("x\ufffdy", 1)[1]
