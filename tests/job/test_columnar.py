"""The batch pipeline of the local engine against the row path it replaced: the same records in the same
order (the decompressed partitions without their repeated headers, byte for byte), every partition one
gzip member under the cap, the same staged bytes with one or several workers, and the same counts, on
the conformance rows and on hostile values, with tiny batches and a tiny partition cap; per-row country
and consent plans too."""

from __future__ import annotations

import csv
import gzip
import json
import random
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amc_uploader.io.limits import FIELD_LIMIT
from amc_uploader.job import JobConfig, JobError, columnar, line_chunks
from amc_uploader.job import local_engine as engine_module
from amc_uploader.job.columnar import BatchTransformer, NeedsExactRead, RawBatch
from amc_uploader.job.inputs import open_reader
from amc_uploader.job.local_engine import EngineResult, run_local
from amc_uploader.job.output import header_bytes, make_serializer
from amc_uploader.job.plan import JobPlan, build_plan
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from amc_uploader.job.transform import RowTransformer
from amc_uploader.job.writer import GzipPartitionWriter, SpooledPartition
from tests.job.helpers import COUNTRIES, PII_COLUMNS, conformance_rows, write_csv, write_jsonl

_TCF = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"


def _plan(tmp_path: Path, inputs: list[Path], **extra: Any) -> JobPlan:
    data: dict[str, Any] = {
        "inputs": [str(p) for p in inputs],
        "dataset_id": "ds_test",
        "country_code": "US",
        "instances": ["amcsandbox01"],
        "output": str(tmp_path / "out"),
        "stage_only": True,
        "max_timestamp_failure_share": 1.0,
        **extra,
    }
    return build_plan(JobConfig.from_mapping(data), "job1")


def _row_path(plan: JobPlan) -> tuple[list[bytes], RowTransformer]:
    """The engine before batches: one row at a time through RowTransformer, one line at a time written."""
    parts: list[bytes] = []
    writer = GzipPartitionWriter(
        plan.config.partition_cap_bytes,
        header=header_bytes(plan.output_format, plan.output_columns),
        on_partition=lambda p: parts.append(p.path.read_bytes()),
    )
    transform = RowTransformer(plan)
    serialize = make_serializer(plan.output_format, plan.output_columns)
    try:
        for source in plan.inputs:
            with open_reader(source, plan.input_format, plan.gzipped[source.uri], plan.config.csv) as reader:
                transform.source = source.name
                for line, values in reader.rows():
                    transform.line = line
                    out = transform(values)
                    if out is not None:
                        writer.write(serialize(out))
        writer.close()
    finally:
        writer.discard()
    return parts, transform


def _batch_path(plan: JobPlan, workers: int) -> tuple[list[bytes], EngineResult]:
    parts: list[bytes] = []

    def keep(part: SpooledPartition) -> None:
        parts.append(part.path.read_bytes())

    return parts, run_local(plan, keep, workers=workers)


def _one_member(part: bytes) -> bytes:
    """The content of a partition that must be exactly one gzip member (AMC reads no multi-member file)."""
    inflate = zlib.decompressobj(31)
    content = inflate.decompress(part) + inflate.flush()
    assert inflate.eof and inflate.unused_data == b""
    assert gzip.decompress(part) == content
    return content


def _records(plan: JobPlan, parts: list[bytes]) -> bytes:
    header = header_bytes(plan.output_format, plan.output_columns) or b""
    contents = [_one_member(p) for p in parts]
    assert all(c.startswith(header) and len(c) > len(header) for c in contents)
    return b"".join(c[len(header) :] for c in contents)


def _assert_same(plan: JobPlan, workers: int) -> list[bytes]:
    expected, transform = _row_path(plan)
    parts, result = _batch_path(plan, workers)
    assert _records(plan, parts) == _records(plan, expected)
    assert all(len(p) <= plan.config.partition_cap_bytes for p in parts)
    if workers > 1:  # the chunks are cut by batch and cap, never by worker: the same staged bytes
        assert parts == _batch_path(plan, 1)[0]
    assert (result.rows_in, result.rows_out) == (transform.rows_in, transform.rows_out)
    assert result.timestamp_failures == dict(transform.timestamp_failures)
    assert result.first_failures == {c: f"{f}, line {n}" for c, (f, n) in transform.first_failure.items()}
    assert result.normalization.to_dict() == transform.normalization_report().to_dict()
    assert result.consent is not None and result.consent.to_dict() == transform.consent.counts.to_dict()
    return parts


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BATCH_ROWS", 97)


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("workers", [1, 3])
def test_conformance_rows_every_country(tmp_path: Path, conformance_dir: Path, workers: int) -> None:
    for country in COUNTRIES:
        rows = conformance_rows(conformance_dir, country)
        pii = {c: t for c, t in PII_COLUMNS.items() if c in rows[0]}
        src = write_csv(tmp_path / f"{country}.csv", rows)
        event_time = "timestamp" if "timestamp" in rows[0] else None
        plan = _plan(
            tmp_path,
            [src],
            pii=pii,
            country_code=country,
            event_time=event_time,
            missing_consent="keep",
            partition_cap_bytes=4096,
        )
        assert len(_assert_same(plan, workers)) > 3


def _hostile_rows() -> list[dict[str, Any]]:
    rnd = random.Random(5)
    values: list[Any] = [
        None,
        "",
        "   ",
        "a" * 64,  # not hex: hashed
        "0123456789abcdef" * 4,  # prehashed
        "\ud800@example.com",
        "x\udfffy",
        True,
        {"primary": "nested@example.com"},
        ["a", "b"],
        12345,
        1.5,
        "Zoë O'Brien",
        'quote " and, comma',
        "line\nbreak\r\nhere",
        "é" * 5_000,
        "(571) 412-0599",
        "+44 20 7946 0958",
        "x" * 20_000,
    ]
    stamps: list[Any] = [
        "2020-04-01T20:50:00Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:00:00-05:00",
        "not a time",
        None,
        "",
        "4/1/20 20:50",
        "2020-02-30",
    ]
    huge = {"id": "huge", "email": "y" * 2_000_000, "phone": None, "zip": None}
    huge.update({"note": "z" * 2_000_000, "ts": stamps[0], "day": None})
    return [huge] + [
        {
            "id": str(i),
            "email": rnd.choice(values),
            "phone": rnd.choice(values),
            "zip": rnd.choice(values),
            "note": rnd.choice(values),
            "ts": rnd.choice(stamps),
            "day": rnd.choice(stamps),
        }
        for i in range(1500)
    ]


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("file_format", ["CSV", "JSONL"])
def test_hostile_values(tmp_path: Path, file_format: str) -> None:
    src = tmp_path / "hostile.jsonl"  # ASCII JSON: lone surrogates spelled as JSON escapes
    src.write_text("".join(json.dumps(r) + "\n" for r in _hostile_rows()), encoding="ascii")
    plan = _plan(
        tmp_path,
        [src],
        pii={"email": "EMAIL", "phone": "PHONE", "zip": "ZIP"},
        event_time="ts",
        column_types={"day": "DATE"},
        file_format=file_format,
        partition_cap_bytes=4_200_000,  # the 2 MB fields must fit (the cap bounds uncompressed bytes)
    )
    _assert_same(plan, workers=2)


@pytest.mark.usefixtures("small_batches")
def test_country_column_and_consent_plans_decide_per_row(tmp_path: Path) -> None:
    rnd = random.Random(11)
    rows = []
    for row in synthetic_rows(1200, seed=3):
        rows.append(
            {
                **row,
                "country": rnd.choice([row["customer_id"][:2], "Deutschland", "", "XX", "uk"]),
                "tcf": rnd.choice([_TCF, "", "garbage", None]),
                "user_data": rnd.choice(["granted", "DENIED", "", "maybe"]),
            }
        )
    src = write_csv(tmp_path / "people.csv", rows)
    plan = _plan(
        tmp_path,
        [src],
        pii=PII_SPEC,
        country_code=None,
        country_column="country",
        consent={"tcf": "TCF", "user_data": "AMZN_USER_DATA"},
        event_time="purchase_ts",
        partition_cap_bytes=8192,
    )
    _assert_same(plan, workers=2)


@pytest.mark.usefixtures("small_batches")
def test_order_and_cap_with_several_workers_and_files(tmp_path: Path) -> None:
    rows = list(synthetic_rows(3000, seed=9))
    first = write_csv(tmp_path / "a.csv", rows[:1700])
    second = write_csv(tmp_path / "b.csv", rows[1700:])
    plan = _plan(tmp_path, [first, second], pii=PII_SPEC, event_time="purchase_ts", partition_cap_bytes=2048)
    parts = _assert_same(plan, workers=4)
    assert len(parts) > 50 and all(len(p) <= 2048 for p in parts)
    files = []
    for i, part in enumerate(parts[:20]):
        files.append(tmp_path / f"part-{i}.gz")
        files[-1].write_bytes(part)
    subprocess.run(["gzip", "-t", *map(str, files)], check=True)
    ids = [
        line.split(",", 1)[0]
        for part in parts
        for line in gzip.decompress(part).decode().splitlines()[1:]  # each partition repeats the header
    ]
    expected = [r["customer_id"] for r in rows if r["purchase_ts"]]
    assert ids[: len(expected)] == ids and set(ids) <= set(expected)
    assert ids == [i for i in expected if i in set(ids)]


def test_jsonl_output_of_a_plain_plan(tmp_path: Path) -> None:
    rows = [{"id": str(i), "email": f"U{i}@Example.com", "n": i} for i in range(300)]
    src = write_jsonl(tmp_path / "a.jsonl", rows)
    plan = _plan(tmp_path, [src], pii={"email": "EMAIL"})
    parts = _assert_same(plan, workers=2)
    staged = [json.loads(line) for line in gzip.decompress(parts[0]).decode().splitlines()]
    assert [r["n"] for r in staged] == list(range(300))


def _raw_csv(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_lines_parsed_by_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line_end: bytes
) -> None:
    """A quote-free CSV goes to the workers as chunks of lines: blank lines, a BOM, no final line break,
    lines longer than a chunk, empty fields; the same bytes, counts and first-failure lines."""
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 300)
    rows = [
        f"{i},user{i}@example.com,{'x' * (700 if i % 37 == 0 else 3)},2020-04-01T20:50:{i % 60:02d}Z"
        for i in range(900)
    ]
    rows[17] = "17,,,not a time"
    rows[500] = ""
    body = line_end.join(
        [b"\xef\xbb\xbfid,email,note,ts", *(r.encode() for r in rows), b"", b"901,a@b.co,n,"]
    )
    src = _raw_csv(tmp_path, "lines.csv", body)
    plan = _plan(tmp_path, [src], pii={"email": "EMAIL"}, event_time="ts", partition_cap_bytes=4096)
    assert line_chunks.line_ranges(plan, plan.inputs[0]) is not None
    _assert_same(plan, workers=2)
    _, result = _batch_path(plan, workers=2)
    assert result.first_failures == {"ts": f"{src}, line 19"}


@pytest.mark.parametrize(
    ("content", "by_lines"),
    [
        (b'id,email\n1,"a@b.co"\n', False),  # a quote: records may span lines
        (b"id,email\r1,a@b.co\r", False),  # lone CRs
        (b"\nid,email\n1,a@b.co\n", False),  # the header is not on line 1
        (b"id,email\n1,a@b.co\n", True),
    ],
)
def test_which_files_go_by_lines(tmp_path: Path, content: bytes, by_lines: bool) -> None:
    src = _raw_csv(tmp_path, "a.csv", content)
    plan = _plan(tmp_path, [src], pii={"email": "EMAIL"})
    assert (line_chunks.line_ranges(plan, plan.inputs[0]) is not None) is by_lines
    _assert_same(plan, workers=2)


# Past the first block the reader decodes while the plan reads the header.
_GOOD = b"id,email\n" + b"".join(b"%d,u%d@b.co\n" % (i, i) for i in range(2000))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_GOOD + b"2,b@c.co,extra\n", r"bad\.csv:2002: row has 3 fields, the header has 2"),
        (_GOOD + b"2,\xff@c.co\n", r"bad\.csv:2002: not valid UTF-8"),
        (b"id,email\n\n\n", r"bad\.csv: no data rows"),
    ],
)
def test_a_bad_line_fails_with_the_readers_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 1000)
    src = _raw_csv(tmp_path, "bad.csv", content)
    with pytest.raises(JobError, match=message):  # a header-only file already fails while planning
        plan = _plan(tmp_path, [src], pii={"email": "EMAIL"})
        run_local(plan, lambda part: None, workers=2)


_FIELD = st.text(alphabet="ab é\t\x00", max_size=6)


@st.composite
def _chunk_lines(draw: st.DrawFn) -> tuple[int, list[str]]:
    """A width and lines of mostly that many fields (some ragged, some blank)."""
    width = draw(st.integers(1, 4))
    sizes = st.one_of(st.just(width), st.just(width), st.just(width), st.integers(0, 5))
    lines = draw(st.lists(sizes.flatmap(lambda n: st.lists(_FIELD, min_size=n, max_size=n)), max_size=8))
    return width, [",".join(fields) for fields in lines]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    _chunk_lines(),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.sampled_from([b"", b"", b"\xff", b"\xe2\x82"]),
)
def test_split_columns_is_what_the_csv_parser_reads(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: tuple[int, list[str]],
    line_end: str,
    final_break: bool,
    bad: bytes,
) -> None:
    """The workers' parser-free split of a chunk of lines gives what `parse` (the `csv` module, as the
    reader) gives, line numbers included, or hands the chunk to `parse` (None); what `parse` refuses
    (ragged rows, bad UTF-8, a field past the limit) it never accepts."""
    width, lines = chunk
    header = b",".join(b"c%d" % i for i in range(width))
    src = _raw_csv(tmp_path, "s.csv", header + b"\n" + header + b"\n")
    transformer = BatchTransformer(_plan(tmp_path, [src], pii={}))
    monkeypatch.setattr(columnar, "FIELD_LIMIT", 5)
    csv.field_size_limit(5)
    data = line_end.join(lines).encode() + (line_end.encode() if final_break else b"") + bad
    raw = RawBatch("s.csv", 7, data)
    try:
        expected: Any = transformer.parse(raw)
    except NeedsExactRead:
        expected = NeedsExactRead
    try:
        split: Any = transformer.split_columns(raw)
    except NeedsExactRead:
        split = NeedsExactRead
    finally:
        csv.field_size_limit(FIELD_LIMIT)
    if split is None:
        return
    if expected is NeedsExactRead:
        assert split is NeedsExactRead
        return
    assert split is not NeedsExactRead
    numbers, columns = split
    assert list(numbers) == expected.lines
    assert [list(row) for row in zip(*columns, strict=True)] == expected.rows


def test_plain_lines_take_the_split(tmp_path: Path) -> None:
    src = _raw_csv(tmp_path, "p.csv", b"a,b\n1,2\n")
    transformer = BatchTransformer(_plan(tmp_path, [src], pii={}))
    split = transformer.split_columns(RawBatch("p.csv", 2, b"1,x\r\n,y\r\n3,\r\n"))
    assert split is not None
    assert list(split[0]) == [2, 3, 4]
    assert split[1] == [["1", None, "3"], ["x", "y", None]]
