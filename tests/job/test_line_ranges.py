"""Quote-free local CSV files cut into ranges of whole lines (`job.line_chunks`), and the Spark engine's
path over them (`spark_engine._run_ranges`): every task reads its own ranges with the local engine's
batch step. Same staged bytes and counts as the local engine, in input order; a bad line fails with the
reader's message and stages nothing; one Spark stage, no row through the JVM."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.job import InputError, JobConfig, line_chunks, run_job
from amc_uploader.job import spark_engine as spark_module
from amc_uploader.job.plan import build_plan
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.job.helpers import manifest_files, write_csv


def _config(tmp_path: Path, name: str, inputs: list[Path], **extra: Any) -> JobConfig:
    return JobConfig.from_mapping(
        {
            "inputs": [str(p) for p in inputs],
            "dataset_id": "ranges_ds",
            "instances": ["amcsandbox01"],
            "output": str(tmp_path / name),
            "stage_only": True,
            **extra,
        }
    )


def _staged(out: Path) -> tuple[list[bytes], int]:
    """The staged lines in manifest order (headers dropped) and the number of partitions."""
    manifest = next(out.rglob("manifest.txt"))
    parts = manifest_files(manifest)
    lines: list[bytes] = []
    for part in parts:
        lines.extend(gzip.decompress(part.read_bytes()).splitlines(keepends=True)[1:])
    return lines, len(parts)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_ranges_cover_the_data_lines_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line_end: bytes
) -> None:
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 256)
    lines = [b"%d,user%d@example.com,%s" % (i, i, b"x" * (i % 97)) for i in range(3000)]
    lines[40] = b"40,," + b"y" * 700  # longer than a chunk
    lines[41] = b""  # a blank line stays in its range (the parse skips it)
    body = line_end.join([b"\xef\xbb\xbfid,email,note", *lines]) + line_end
    src = tmp_path / "in.csv"
    src.write_bytes(body)
    plan = build_plan(_config(tmp_path, "out", [src], pii={"email": "EMAIL"}, country_code="US"), "j")

    ranges = line_chunks.line_ranges(plan, plan.inputs[0], piece_bytes=20_000)
    assert ranges is not None and len(ranges) > 4
    header_end = body.index(b"\n") + 1
    assert ranges[0].start == header_end and ranges[-1].end == len(body)
    for before, after in itertools.pairwise(ranges):
        assert before.end == after.start and body[after.start - 1 : after.start] == b"\n"
    for r in ranges:
        assert r.line == body[: r.start].count(b"\n") + 1
        batches = list(line_chunks.raw_batches(r))
        assert b"".join(b.data for b in batches) == body[r.start : r.end]
        for batch in batches:  # every chunk knows the line it starts on
            offset = body.index(batch.data, r.start)
            assert batch.start == body[:offset].count(b"\n") + 1
    whole = line_chunks.line_ranges(plan, plan.inputs[0])
    assert whole is not None and [(w.start, w.end, w.line) for w in whole] == [(header_end, len(body), 2)]


@pytest.mark.parametrize(
    "content",
    [
        b'id,email\n1,"a@b.co"\n',  # a quote: records may span lines
        b"id,email\r1,a@b.co\r",  # lone CRs
        b"id,email\n\n\n",  # no data line: the reader says so
    ],
)
def test_files_whose_lines_may_not_be_records_have_no_ranges(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "a.csv"
    src.write_bytes(content)
    try:
        plan = build_plan(_config(tmp_path, "out", [src], pii={"email": "EMAIL"}, country_code="US"), "j")
    except InputError:  # a header-only file already fails while planning
        return
    assert line_chunks.line_ranges(plan, plan.inputs[0], piece_bytes=1) is None


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_module, "_MIN_RANGE_BYTES", 0)
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 4096)


@pytest.mark.spark
@pytest.mark.usefixtures("small_ranges")
def test_spark_ranges_equal_the_local_engine_in_input_order(spark: Any, tmp_path: Path) -> None:
    rows = list(synthetic_rows(6000, seed=11))
    rows[2500]["purchase_ts"] = "not a time"
    first = write_csv(tmp_path / "a.csv", rows[:4000])
    second = write_csv(tmp_path / "b.csv", rows[4000:])
    assert b'"' not in first.read_bytes() + second.read_bytes()
    common: dict[str, Any] = {
        "pii": PII_SPEC,
        "country_code": "US",
        "event_time": "purchase_ts",
        "max_timestamp_failure_share": 0.01,
        "partition_cap_bytes": 65_536,
    }
    plan = build_plan(_config(tmp_path, "plan", [first, second], **common), "j")
    ranges = spark_module._line_ranges(spark, plan)
    assert ranges is not None and len(ranges) >= 4 and {r.source for r in ranges} == {str(first), str(second)}

    local = run_job(_config(tmp_path, "local", [first, second], **common))
    spark.sparkContext.setJobGroup("ranges-test", "the job over ranges")
    try:
        on_spark = run_job(_config(tmp_path, "spark", [first, second], **common, engine="spark"), spark=spark)
    finally:
        spark.sparkContext.setJobGroup("", "")
    local_lines, _ = _staged(tmp_path / "local")
    spark_lines, spark_parts = _staged(tmp_path / "spark")
    assert spark_lines == local_lines  # byte-identical lines, in input order
    assert spark_parts >= len(ranges)
    assert on_spark.report.normalization == local.report.normalization
    assert on_spark.report.timestamp_failures == local.report.timestamp_failures == {"purchase_ts": 1}
    assert on_spark.report.rows_out == local.report.rows_out == 5999

    tracker = spark.sparkContext.statusTracker()
    jobs = [tracker.getJobInfo(j) for j in tracker.getJobIdsForGroup("ranges-test")]
    stages = [tracker.getStageInfo(s) for job in jobs for s in job.stageIds]
    assert [s.numTasks for s in stages] == [len(ranges)]  # one stage, a task per range


@pytest.mark.spark
@pytest.mark.usefixtures("small_ranges")
def test_a_bad_line_in_a_later_range_fails_with_the_readers_message(spark: Any, tmp_path: Path) -> None:
    good = b"".join(b"%d,u%d@example.com\n" % (i, i) for i in range(20_000))
    src = tmp_path / "bad.csv"
    src.write_bytes(b"id,email\n" + good + b"x,\xff@example.com\n" + good)
    config = _config(tmp_path, "out", [src], pii={"email": "EMAIL"}, country_code="US", engine="spark")
    plan = build_plan(config, "j")
    ranges = spark_module._line_ranges(spark, plan)
    assert ranges is not None and len(ranges) > 2
    with pytest.raises(InputError, match=r"bad\.csv:20002: not valid UTF-8") as info:
        run_job(config, spark=spark)
    assert "@" not in str(info.value)
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_s3_block_scans_equal_local_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: Any) -> None:
    """The Spark engine scans `s3://` objects a block per task (ranged GETs): the same scans and ranges
    as a local file's, line ends and CR LF pairs across blocks included."""
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 256)
    lines = [b"%d,u%d@example.com,%s" % (i, i, b"z" * (i % 131)) for i in range(1500)]
    body = b"\r\n".join([b"id,email,note", *lines])  # no final line end
    src = tmp_path / "in.csv"
    src.write_bytes(body)
    s3.create_bucket(Bucket="ranges")
    s3.put_object(Bucket="ranges", Key="in.csv", Body=body)
    plan = build_plan(_config(tmp_path, "out", [src], pii={"email": "EMAIL"}, country_code="US"), "j")
    start = line_chunks.header_end(plan, str(src))
    assert start == line_chunks.header_end(plan, "s3://ranges/in.csv", s3) == len(b"id,email,note\r\n")
    for block_bytes in (None, 300, 1000, 4097):
        spans = [(a, b, len(body)) for a, b in line_chunks.blocks(start, len(body), block_bytes)]
        local = [line_chunks.scan_block(str(src), span, b'"') for span in spans]
        remote = [line_chunks.scan_block("s3://ranges/in.csv", span, b'"', s3) for span in spans]
        assert remote == local and all(s.clean for s in local)
        ranges = line_chunks.ranges_of("in.csv", "s3://ranges/in.csv", remote)
        assert ranges is not None
        assert [(r.start, r.end) for r in ranges][-1][1] == len(body)
        read = [b for r in ranges for b in line_chunks.raw_batches(r, s3)]
        assert b"".join(b.data for b in read) == body[start:]
        for batch in read:
            offset = body.index(batch.data, start)
            assert batch.start == body[:offset].count(b"\n") + 1
    dirty = body[:5000] + b"\r" + body[5000:]  # a lone CR in a later block
    s3.put_object(Bucket="ranges", Key="dirty.csv", Body=dirty)
    spans = [(a, b, len(dirty)) for a, b in line_chunks.blocks(start, len(dirty), 1000)]
    scans = [line_chunks.scan_block("s3://ranges/dirty.csv", span, b'"', s3) for span in spans]
    assert not all(s.clean for s in scans)
    assert line_chunks.ranges_of("d", "s3://ranges/dirty.csv", scans) is None
