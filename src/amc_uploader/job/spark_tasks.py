"""What the Spark engine's Python workers run, in a module that imports no more than that (not pandas,
not pyspark.sql: a worker imports it for every job, and every import costs each worker): the writer of
the jobs over ranges of lines, the scan of `s3://` blocks, and the staging of a task's partitions with
its metadata rows (`META_FIELDS`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from amc_client.s3_contract import instance_tags
from amc_uploader.io.sources import s3_client_or_default
from amc_uploader.job.columnar import BatchCounts, BatchTransformer, NeedsExactRead
from amc_uploader.job.config import OutputFormat
from amc_uploader.job.consent import ConsentCounts
from amc_uploader.job.layout import StagingLayout
from amc_uploader.job.line_chunks import BlockScan, LineRange, raw_batches, scan_block
from amc_uploader.job.output import header_bytes
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.target import TargetSpec
from amc_uploader.job.writer import ChunkPartitionWriter, SpooledPartition, deflate_lines

__all__ = [
    "META_FIELDS",
    "META_SCHEMA",
    "TaskOutput",
    "batch_stats",
    "block_scanner",
    "range_writer",
    "task_counts",
]

#: The columns of a task's metadata rows and their Spark SQL types.
META_FIELDS = (
    ("kind", "string"),
    ("chunk", "int"),
    ("idx", "int"),
    ("rows", "long"),
    ("size", "long"),
    ("payload", "string"),
)
#: `META_FIELDS` as a DDL schema string (a `mapInArrow` writer's output).
META_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in META_FIELDS)


class TaskOutput:
    """What a writer task stages: gzip partitions of its deflated lines, put to every target under the
    task's chunk number, and the metadata rows it returns (one per file, then its counters)."""

    def __init__(
        self,
        output_format: OutputFormat,
        columns: Sequence[str],
        cap: int,
        targets: list[tuple[TargetSpec, StagingLayout]],
    ) -> None:
        from pyspark import TaskContext

        context = TaskContext.get()
        self.chunk = context.partitionId() if context is not None else 0
        self.output_format = output_format
        self.cap = cap
        self.header = header_bytes(output_format, columns)
        self.opened = [(spec.open(), stage_layout) for spec, stage_layout in targets]
        self.staged: list[tuple[int, int, int]] = []
        self.writer = ChunkPartitionWriter(cap, header=self.header, on_partition=self._on_partition)

    def _on_partition(self, part: SpooledPartition) -> None:
        for target, stage_layout in self.opened:
            key = stage_layout.partition_key(part.index, self.output_format, chunk=self.chunk)
            target.put_file(key, part.path, tags=instance_tags(stage_layout.instance_id))
        part.path.unlink(missing_ok=True)
        self.staged.append((part.index, part.rows, part.size_bytes))

    def write(self, data: bytes, lengths: list[int]) -> None:
        """Encoded lines, deflated into chunks for the cap as the local engine's workers do."""
        self.writer.write_chunks(deflate_lines(data, lengths, self.cap, self.header))

    def __enter__(self) -> TaskOutput:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                self.writer.close()
        finally:
            self.writer.discard()

    def rows(self, stats: dict[str, Any]) -> list[dict[str, Any]]:
        """The task's metadata rows (`META_FIELDS`): one per staged file, then its counters."""
        rows = [
            {"kind": "part", "chunk": self.chunk, "idx": idx, "rows": n, "size": size, "payload": ""}
            for idx, n, size in self.staged
        ]
        rows.append(
            {
                "kind": "stats",
                "chunk": self.chunk,
                "idx": -1,
                "rows": 0,
                "size": 0,
                "payload": json.dumps(stats),
            }
        )
        return rows

    def meta(self, stats: dict[str, Any]) -> Any:
        """`rows` as the Arrow batch of a `mapInArrow` writer."""
        import pyarrow as pa  # type: ignore[import-untyped]

        types = {"string": pa.string(), "int": pa.int32(), "long": pa.int64()}
        schema = pa.schema([(name, types[kind]) for name, kind in META_FIELDS])
        return pa.RecordBatch.from_pylist(self.rows(stats), schema=schema)


def batch_stats(totals: BatchCounts, *, verify: list[str], exact: list[str] | None = None) -> dict[str, Any]:
    """A task's counters from the local engine's batch step (`BatchCounts`), as `_collect` reads them;
    ``verify``: files the local reader must check, ``exact``: files it must fail on (`NeedsExactRead`)."""
    assert totals.consent is not None
    decisions, invalid = totals.consent.codes()
    return {
        "rows_in": totals.rows_in,
        "rows_out": totals.rows_out,
        "normalization": totals.normalization.to_dict(),
        "failures": dict(totals.timestamp_failures),
        "consent": decisions,
        "consent_invalid": invalid,
        "verify": verify,
        "exact": exact or [],
    }


def task_counts(plan: JobPlan) -> BatchCounts:
    """A task's counters before its first batch."""
    return BatchCounts(consent=ConsentCounts(plan.config.missing_consent, dict(plan.config.consent)))


def block_scanner(
    quote: bytes, endpoint_url: str | None
) -> Callable[[Iterator[tuple[str, int, int, int]]], Iterator[tuple[str, BlockScan]]]:
    """The task of the scan stage of `s3://` inputs: (uri, start, end, size) blocks in, their
    `line_chunks.scan_block` out, through one S3 client per task."""

    def scan(blocks: Iterator[tuple[str, int, int, int]]) -> Iterator[tuple[str, BlockScan]]:
        s3 = s3_client_or_default(None, endpoint_url)
        for uri, start, end, size in blocks:
            yield uri, scan_block(uri, (start, end, size), quote, s3)

    return scan


def range_writer(
    plan: JobPlan, targets: list[tuple[TargetSpec, StagingLayout]], ranges: list[LineRange]
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The writer of quote-free CSV files (`spark_engine._line_ranges`): each task reads its ranges of whole
    lines itself and runs the local engine's batch step over them (`BatchTransformer`: its own parse,
    time columns, consent, batch hashing, counting and encoding), as the local engine's workers do. Spark
    schedules the ranges; no row passes through the JVM. A range the parse rejects stages nothing and
    names its file (``exact``): the driver reads it with the local reader for the exact message."""

    remote = any(r.path.startswith("s3://") for r in ranges)

    def write(numbers: Iterator[int]) -> Iterator[dict[str, Any]]:
        s3 = s3_client_or_default(None, plan.config.s3_endpoint_url) if remote else None
        transform = BatchTransformer(plan)
        totals = task_counts(plan)
        exact: list[str] = []
        task = TaskOutput(plan.output_format, plan.output_columns, plan.config.partition_cap_bytes, targets)
        try:
            with task:
                for number in numbers:
                    for raw in raw_batches(ranges[number], s3):
                        result = transform(raw)
                        totals.merge(result.counts)
                        task.write(result.data, result.lengths)
        except NeedsExactRead as exc:
            exact.append(str(exc.args[0]))
            task.staged.clear()  # the job fails: the run's cleanup removes what was put
        yield from task.rows(batch_stats(totals, verify=[], exact=exact))

    return write
