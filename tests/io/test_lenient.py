"""A lenient reader hands a malformed row back as a `Rejected` and reads on; the default one raises for it;
both fail a file that cannot be read. The CSV dialect's escape and comment characters."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest

from amc_uploader.io import CsvDialect, FileKind, InputFormat, RecordFileError, Rejected, Source, open_table

CSV = FileKind(InputFormat.CSV)
JSONL = FileKind(InputFormat.JSONL)


def _source(data: bytes, name: str = "in.csv") -> Source:
    return Source(name, opener=lambda: io.BytesIO(data))


def _scan(data: bytes, kind: FileKind, **options: Any) -> list[tuple[int, Any]]:
    with open_table(_source(data), kind, lenient=True, **options) as reader:
        return list(reader.scan())


@pytest.mark.parametrize(
    ("data", "kind", "line", "rejected"),
    [
        (b"a,b\n1,2\n1,2,3\n3,4\n", CSV, 3, Rejected("row has 3 fields, the header has 2", "ragged_row")),
        (b'a,b\n1,2\n"x"y,2\n3,4\n', CSV, 3, Rejected("malformed CSV: ',' expected after '\"'", "bad_csv")),
        (
            b'{"a": 1}\n{"a": 2}\n{"a": \n{"a": 4}\n',
            JSONL,
            3,
            Rejected("not valid JSON (JSON lines: one object per line)", "bad_json"),
        ),
        (
            b'{"a": 1}\n{"a": 2}\n"s"\n{"a": 4}\n',
            JSONL,
            3,
            Rejected("JSON line is str, not an object", "bad_json"),
        ),
    ],
)
def test_a_malformed_row_is_rejected_where_the_default_reader_raises(
    data: bytes, kind: FileKind, line: int, rejected: Rejected
) -> None:
    records = _scan(data, kind)
    assert [(n, r) for n, r in records if isinstance(r, Rejected)] == [(line, rejected)]
    assert records[-1][0] == 4
    with open_table(_source(data), kind, lenient=True) as reader:
        assert len(list(reader.rows())) == len(records) - 1  # rows() skips what scan() hands back
    with pytest.raises(RecordFileError) as info, open_table(_source(data), kind) as reader:
        list(reader.rows())
    assert (info.value.line, info.value.reason, info.value.code) == (line, rejected.reason, rejected.code)


def test_lenient_json_lines_keep_each_object_whole() -> None:
    data = b'not json\n\n{"a": 1}\n{"a": 2, "b": 3}\n[1]\n'
    assert _scan(data, JSONL) == [
        (1, Rejected("not valid JSON (JSON lines: one object per line)", "bad_json")),
        (3, {"a": 1}),
        (4, {"a": 2, "b": 3}),
        (5, Rejected("JSON line is an array, not an object", "bad_json")),
    ]
    with pytest.raises(RecordFileError, match="key not present in the first record"):
        list(open_table(_source(data), JSONL, lenient=True).rows())
    with pytest.raises(RecordFileError, match=r"in\.csv:1: not valid JSON"):
        open_table(_source(data), JSONL)


def test_a_file_of_only_malformed_rows_is_rejected_row_by_row() -> None:
    assert [line for line, _ in _scan(b"x\n2\n", JSONL)] == [1, 2]
    assert _scan(b"a,b\n1\n", CSV) == [(2, Rejected("row has 1 fields, the header has 2", "ragged_row"))]


@pytest.mark.parametrize(
    ("data", "kind", "code", "line"),
    [
        (b'a,b\n1,2\n"x,1\n2,3\n', CSV, "bad_csv", 3),
        (b"a,b\n1,2\n\xff,1\n", CSV, "bad_encoding", 3),
        (gzip.compress(b"a,b\n1,2\n" * 50)[:-12], FileKind(InputFormat.CSV, gzip=True), "bad_gzip", None),
        (b'{"a": 1}\n{"a": "\xff"}\n', JSONL, "bad_encoding", 2),
        (b"", CSV, "empty_file", None),
        (b"a,b\n", CSV, "empty_file", None),
        (b"\n", JSONL, "empty_file", None),
    ],
)
def test_a_file_that_cannot_be_read_still_fails(
    data: bytes, kind: FileKind, code: str, line: int | None
) -> None:
    with pytest.raises(RecordFileError) as info, open_table(_source(data), kind, lenient=True) as reader:
        list(reader.scan())
    assert info.value.code == code
    if line is not None:
        assert info.value.line == line


def test_the_default_scan_is_records_with_their_lines() -> None:
    with open_table(_source(b"a,b\n1,2\n\n3,4\n"), CSV) as reader:
        assert list(reader.scan()) == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": "4"})]
    with (
        pytest.raises(RecordFileError) as info,
        open_table(_source(b'{"a": 1}\n{"b": 2}\n'), JSONL) as reader,
    ):
        list(reader.scan())
    assert (info.value.code, info.value.line, info.value.column) == ("unexpected_key", 2, None)


def test_escape_and_comment_characters_keep_the_file_lines() -> None:
    data = b"# exported\na;b\n# note\nx\\;y;1\n'p;q';2\n"
    dialect = CsvDialect(";", quote="'", escape="\\", comment="#")
    with open_table(_source(data), CSV, dialect=dialect) as reader:
        assert reader.header == ["a", "b"]
        assert list(reader.rows()) == [(4, ["x;y", "1"]), (5, ["p;q", "2"])]
    with open_table(_source(data), CSV, dialect=CsvDialect(";")) as reader:
        assert reader.header == ["# exported"]
