"""Reading uploaded record files through amc_uploader.io: compressions, CSV/JSON/Parquet, line numbers,
rejected records, errors."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile
from typing import Any

import pytest

from amc_sandbox.reading import ReadError, read_records
from amc_uploader.io import FIELD_LIMIT, Rejected

CSV = {"csvDataFormat": {"quoteCharacter": '"'}}
LINES = {"jsonDataFormat": "LINES"}


def read(data: bytes, file_format: dict[str, Any], compression: str = "NONE") -> tuple[Any, list[Any]]:
    with read_records(
        lambda: io.BytesIO(data), uri="s3://b/k", compression=compression, file_format=file_format
    ) as file:
        return file.columns, list(file.records)


RAGGED = Rejected("row has 3 fields, the header has 2", "ragged_row")
NOT_JSON = Rejected("not valid JSON (JSON lines: one object per line)", "bad_json")


def test_csv_header_records_and_line_numbers() -> None:
    data = b'a,b\n# note\n1,2\n\n"x\ny",3\n1,2,3\n'
    columns, records = read(data, {"csvDataFormat": {"quoteCharacter": '"', "commentCharacter": "#"}})
    assert columns == ["a", "b"]
    assert records == [
        (3, {"a": "1", "b": "2"}),
        (6, {"a": "x\ny", "b": "3"}),
        (7, RAGGED),
    ]


def test_csv_escape_character_and_a_malformed_row_on_its_line() -> None:
    data = b'a,b\nx\\,y,1\n"p"q,2\n3,4\n'
    _, records = read(data, {"csvDataFormat": {"quoteCharacter": '"'}})
    assert records == [
        (2, {"a": "x,y", "b": "1"}),
        (3, Rejected("malformed CSV: ',' expected after '\"'", "bad_csv")),
        (4, {"a": "3", "b": "4"}),
    ]


def test_csv_fails_on_an_unterminated_quote_and_an_oversized_field() -> None:
    with pytest.raises(ReadError, match=r"s3://b/k:2: malformed CSV: unterminated quoted field"):
        read(b'a,b\n"x,1\n2,3\n', CSV)
    big = b"x" * (FIELD_LIMIT + 1)
    with pytest.raises(ReadError, match=r"s3://b/k:2: malformed CSV: a field is longer than"):
        read(b'a,b\n"' + big + b'\n",1\n', CSV)


def test_header_only_csv_has_no_records_and_a_duplicate_name_fails() -> None:
    assert read(b"a,b\n", CSV) == (["a", "b"], [])
    with pytest.raises(ReadError, match=r"s3://b/k:1: column 'a': duplicate column name"):
        read(b"a,a\n1,2\n", CSV)


def test_csv_defaults_quote_is_a_single_quote() -> None:
    _, records = read(b"a,b\n'x,y',1\n", {"csvDataFormat": {}})
    assert records == [(2, {"a": "x,y", "b": "1"})]


def test_empty_csv_has_no_header() -> None:
    assert read(b"", CSV) == (None, [])


def test_json_lines() -> None:
    data = b'not json\n{"a": 1}\n\n{"b": 2}\nnot json\n[1]\n'
    columns, records = read(data, LINES)
    assert columns is None
    assert records == [
        (1, NOT_JSON),
        (2, {"a": 1}),
        (4, {"b": 2}),
        (5, NOT_JSON),
        (6, Rejected("JSON line is an array, not an object", "bad_json")),
    ]


def test_json_lines_all_rejected_still_count() -> None:
    assert read(b"x\n2\n", LINES)[1] == [
        (1, NOT_JSON),
        (2, Rejected("JSON line is int, not an object", "bad_json")),
    ]


def test_json_document() -> None:
    _, records = read(json.dumps([{"a": 1}, 2]).encode(), {"jsonDataFormat": "DOCUMENT"})
    assert records == [(1, {"a": 1}), (2, Rejected("JSON record is int, not an object", "bad_json"))]
    gzipped = read(gzip.compress(b'{"a": 1}'), {"jsonDataFormat": "DOCUMENT"}, "GZIP")
    assert gzipped == (None, [(1, {"a": 1})])
    with pytest.raises(ReadError, match="is not a valid JSON DOCUMENT"):
        read(b"[{", {"jsonDataFormat": "DOCUMENT"})


def test_parquet() -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    sink = io.BytesIO()
    pq.write_table(pa.table({"a": ["x", None], "n": [1, 2], "ok": [True, False]}), sink)
    columns, records = read(sink.getvalue(), {"parquetDataFormat": "PARQUET_DATA_FORMAT"})
    assert columns == ["a", "n", "ok"]
    assert records == [(1, {"a": "x", "n": "1", "ok": "true"}), (2, {"a": None, "n": "2", "ok": "false"})]
    zipped = _zip_bytes({"part.parquet": sink.getvalue()})
    assert read(zipped, {"parquetDataFormat": "PARQUET_DATA_FORMAT"}, "ZIP")[1] == records
    with pytest.raises(ReadError, match="gzip-compressed Parquet is not supported"):
        read(gzip.compress(sink.getvalue()), {"parquetDataFormat": "PARQUET_DATA_FORMAT"}, "GZIP")


@pytest.mark.parametrize("data", [b"", b"\n\n"])
def test_empty_files_have_no_records(data: bytes) -> None:
    assert read(data, CSV) == (None, [])
    assert read(data, LINES) == (None, [])


@pytest.mark.parametrize(
    ("compression", "pack"),
    [
        ("GZIP", gzip.compress),
        ("BZIP", bz2.compress),
        ("NONE", lambda b: b),
    ],
)
def test_compressions(compression: str, pack: Any) -> None:
    assert read(pack(b'{"a": 1}\n'), LINES, compression)[1] == [(1, {"a": 1})]


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip(*names: str) -> bytes:
    return _zip_bytes(dict.fromkeys(names, b'{"a": 1}\n'))


def test_zip_holds_exactly_one_file() -> None:
    assert read(_zip("one.json"), LINES, "ZIP")[1] == [(1, {"a": 1})]
    with pytest.raises(ReadError, match="must hold exactly one file, found 2"):
        read(_zip("one.json", "two.json"), LINES, "ZIP")


@pytest.mark.parametrize(
    ("data", "compression", "message"),
    [
        (gzip.compress(b"a\n1\n"), "NONE", "is gzip-compressed but compressionFormat is NONE"),
        (b"a\n1\n", "GZIP", "could not be decompressed as GZIP"),
        (gzip.compress(b"a\n1\n")[:-8], "GZIP", "could not be decompressed as GZIP"),
        (b"a\n1\n", "BZIP", "could not be decompressed as BZIP"),
        (bz2.compress(b"a\n1\n" * 100)[:-20], "BZIP", "could not be decompressed as BZIP"),
        (b"a\n1\n", "ZIP", "could not be decompressed as ZIP"),
        (b"a\n1\n\xff\xfe\n", "NONE", r"s3://b/k:3: not valid UTF-8 text"),
        (b"a\n1\n", "SNAPPY", "compressionFormat SNAPPY is not supported"),
    ],
)
def test_unreadable_files_raise_one_error_naming_the_file(
    data: bytes, compression: str, message: str
) -> None:
    with pytest.raises(ReadError, match=message) as info:
        read(data, CSV, compression)
    assert compression == "SNAPPY" or "s3://b/k" in str(info.value)


def test_no_other_sandbox_module_parses_record_files() -> None:
    """One module reads record files (through the product's readers); only it unpacks what they do not."""
    import re
    from pathlib import Path

    import amc_sandbox

    decoders = re.compile(r"^\s*(import|from) (csv|gzip|bz2|zipfile|pyarrow)\b", re.M)
    package = Path(amc_sandbox.__file__).parent
    offenders = [
        str(p.relative_to(package))
        for p in sorted(package.rglob("*.py"))
        if p.name != "reading.py" and decoders.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
