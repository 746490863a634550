"""Reading uploaded record files: compressions, CSV/JSON/Parquet, line numbers, rejected records, errors."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile
from typing import Any

import pytest

from amc_sandbox.reading import ReadError, Rejected, read_records

CSV = {"csvDataFormat": {"quoteCharacter": '"'}}
LINES = {"jsonDataFormat": "LINES"}


def read(data: bytes, file_format: dict[str, Any], compression: str = "NONE") -> tuple[Any, list[Any]]:
    file = read_records(io.BytesIO(data), uri="s3://b/k", compression=compression, file_format=file_format)
    return file.columns, list(file.records)


def test_csv_header_records_and_line_numbers() -> None:
    data = b'a,b\n# note\n1,2\n\n"x\ny",3\n1,2,3\n'
    columns, records = read(data, {"csvDataFormat": {"quoteCharacter": '"', "commentCharacter": "#"}})
    assert columns == ["a", "b"]
    assert records == [
        (3, {"a": "1", "b": "2"}),
        (6, {"a": "x\ny", "b": "3"}),
        (7, Rejected("row has 3 fields but the header has 2")),
    ]


def test_csv_defaults_quote_is_a_single_quote() -> None:
    _, records = read(b"a,b\n'x,y',1\n", {"csvDataFormat": {}})
    assert records == [(2, {"a": "x,y", "b": "1"})]


def test_empty_csv_has_no_header() -> None:
    assert read(b"", CSV) == (None, [])


def test_json_lines() -> None:
    data = b'{"a": 1}\n\nnot json\n[1]\n'
    columns, records = read(data, LINES)
    assert columns is None
    assert records == [
        (1, {"a": 1}),
        (3, Rejected("line is not valid JSON")),
        (4, Rejected("record is not a JSON object")),
    ]


def test_json_document() -> None:
    _, records = read(json.dumps([{"a": 1}, 2]).encode(), {"jsonDataFormat": "DOCUMENT"})
    assert records == [(1, {"a": 1}), (2, Rejected("record is not a JSON object"))]
    with pytest.raises(ReadError, match="JSON DOCUMENT is not valid JSON"):
        read(b"[{", {"jsonDataFormat": "DOCUMENT"})


def test_parquet() -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    sink = io.BytesIO()
    pq.write_table(pa.table({"a": ["x", None], "n": [1, 2]}), sink)
    columns, records = read(sink.getvalue(), {"parquetDataFormat": "PARQUET_DATA_FORMAT"})
    assert columns == ["a", "n"]
    assert records == [(1, {"a": "x", "n": "1"}), (2, {"a": None, "n": "2"})]


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


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b'{"a": 1}\n')
    return buffer.getvalue()


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
        (b"a\n\xff\xfe\n", "NONE", "is not valid UTF-8 text"),
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
    """One module reads CSV/JSON/Parquet records, so it alone switches to the product's readers."""
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
