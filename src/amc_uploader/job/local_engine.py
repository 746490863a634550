"""The local engine: streaming, constant memory, on every core.

The main process reads each input with the readers of ``amc_uploader.io`` (their exact validation and
messages: file, line, column), cuts the rows into batches and hands them to worker processes, which
transform and encode them (`job.columnar`). A local, uncompressed UTF-8 CSV file without any quote
character and without lone CRs (every line one record, as most exports are) is not parsed here at all:
it goes out in chunks of whole lines that the workers parse with the same `csv` parser and rules; should
a chunk hold anything the reader rejects, this process reads the file with the reader to fail with its
exact message. The workers also compress: each deflates its batch's lines into independent chunks
(`writer.deflate_lines`), and this process only concatenates the chunks, in input order, into gzip
partitions of one member each (`writer.ChunkPartitionWriter`), so the staged bytes are the same whatever
the number of workers. At most a few batches are in flight. A small input (or ``workers = 1``) is done in
this process, the same steps without starting a pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from amc_normalize import NormalizationReport
from amc_uploader.job.columnar import (
    BATCH_ROWS,
    Batch,
    BatchCounts,
    BatchTransformer,
    NeedsExactRead,
    RawBatch,
)
from amc_uploader.job.consent import ConsentCounts
from amc_uploader.job.errors import InputError, StagingError
from amc_uploader.job.inputs import open_reader
from amc_uploader.job.line_chunks import LineRange, line_ranges, raw_batches
from amc_uploader.job.output import header_bytes
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.pool import OrderedPool, available_cores
from amc_uploader.job.report import JobProgress
from amc_uploader.job.writer import ChunkPartitionWriter, DeflatedChunk, SpooledPartition, deflate_lines

__all__ = ["QUICK_PATH_BYTES", "EngineResult", "run_local", "worker_count"]

logger = logging.getLogger(__name__)
_PROGRESS_EVERY = 20_000
#: Inputs smaller than this are transformed in this process: a pool's start-up would cost more.
QUICK_PATH_BYTES = 4_000_000


@dataclass
class EngineResult:
    rows_in: int
    rows_out: int
    timestamp_failures: dict[str, int]
    normalization: NormalizationReport
    partitions: int
    bytes_written: int
    # column -> "file, line N" of its first timestamp failure (when the engine knows it)
    first_failures: dict[str, str] = field(default_factory=dict)
    consent: ConsentCounts | None = None


def worker_count(plan: JobPlan, workers: int | None = None) -> int:
    """The worker processes a job uses: ``workers``, else the plan's, else the available cores; 1 (no
    pool) for an input known to be smaller than ``QUICK_PATH_BYTES``."""
    count = workers or plan.config.workers or available_cores()
    small = plan.total_bytes is not None and plan.total_bytes < QUICK_PATH_BYTES
    return 1 if small and workers is None and plan.config.workers is None else count


@dataclass
class _Deflated:
    chunks: list[DeflatedChunk]
    counts: BatchCounts


class _DeflatingTransformer:
    """A worker's step: `BatchTransformer`, then its lines deflated into chunks for the plan's cap."""

    def __init__(self, plan: JobPlan) -> None:
        self.transform = BatchTransformer(plan)
        self.cap = plan.config.partition_cap_bytes
        self.header = header_bytes(plan.output_format, plan.output_columns)

    def __call__(self, batch: Batch | RawBatch) -> _Deflated:
        result = self.transform(batch)
        return _Deflated(deflate_lines(result.data, result.lengths, self.cap, self.header), result.counts)


def _exact_on_failure(results: Iterator[_Deflated], reading: _Reading) -> Iterator[_Deflated]:
    try:
        yield from results
    except NeedsExactRead as exc:
        reading.read_exactly(str(exc.args[0]))


class _Reading:
    """The batches of every input in order, and how far the reading got (for progress)."""

    def __init__(self, plan: JobPlan, s3_client: Any) -> None:
        self.plan = plan
        self.s3_client = s3_client
        self.bytes_done = 0
        self._reader: Any = None

    @property
    def bytes_read(self) -> int:
        return self.bytes_done + (self._reader.bytes_read if self._reader is not None else 0)

    def batches(self) -> Iterator[Batch | RawBatch]:
        plan = self.plan
        for source in plan.inputs:
            with open_reader(
                source, plan.input_format, plan.gzipped[source.uri], plan.config.csv, s3_client=self.s3_client
            ) as reader:
                if reader.header != plan.header:
                    raise InputError(source.name, "header changed since validation", line=1)
                ranges = line_ranges(self.plan, source)
                if ranges is not None:
                    reader.close()
                    yield from self._raw_batches(ranges)
                    continue
                self._reader = reader
                lines: list[int] = []
                rows: list[list[Any]] = []
                for line, values in reader.rows():
                    lines.append(line)
                    rows.append(values)
                    if len(rows) >= BATCH_ROWS:
                        yield Batch(source.name, lines, rows)
                        lines, rows = [], []
                if rows:
                    yield Batch(source.name, lines, rows)
                self._reader = None
                self.bytes_done += reader.bytes_read

    def _raw_batches(self, ranges: list[LineRange]) -> Iterator[RawBatch]:
        self.bytes_done += ranges[0].start  # the header line
        for lines in ranges:
            for raw in raw_batches(lines):
                yield raw
                self.bytes_done += len(raw.data)

    def read_exactly(self, name: str) -> None:
        """Read a file with the reader to raise its exact error (file, line, reason)."""
        plan = self.plan
        source = next(s for s in plan.inputs if s.name == name)
        with open_reader(
            source, plan.input_format, plan.gzipped[source.uri], plan.config.csv, s3_client=self.s3_client
        ) as reader:
            for _ in reader.rows():
                pass
        raise StagingError(f"{name}: the local engine and the reader disagree on this file")


def run_local(
    plan: JobPlan,
    on_partition: Callable[[SpooledPartition], None],
    *,
    progress: Callable[[JobProgress], None] | None = None,
    s3_client: Any = None,
    workers: int | None = None,
) -> EngineResult:
    """Transform every input row and hand each finished gzip partition to ``on_partition``."""
    writer = ChunkPartitionWriter(
        plan.config.partition_cap_bytes,
        header=header_bytes(plan.output_format, plan.output_columns),
        on_partition=on_partition,
    )
    count = worker_count(plan, workers)
    reading = _Reading(plan, s3_client)
    totals = BatchCounts()
    pool: OrderedPool[Batch | RawBatch, _Deflated] | None = None
    reported = 0
    try:
        if count > 1:
            pool = OrderedPool(count, _DeflatingTransformer, (plan,))
            results: Iterator[_Deflated] = pool.map(reading.batches())
        else:
            results = map(_DeflatingTransformer(plan), reading.batches())
        for result in _exact_on_failure(results, reading):
            totals.merge(result.counts)
            writer.write_chunks(result.chunks)
            if progress is not None and totals.rows_in - reported >= _PROGRESS_EVERY:
                reported = totals.rows_in
                progress(
                    JobProgress(
                        phase="transform",
                        rows=totals.rows_in,
                        bytes_read=reading.bytes_read,
                        total_bytes=plan.total_bytes,
                    )
                )
        writer.close()
    finally:
        if pool is not None:
            pool.close()
        writer.discard()
    if progress is not None:
        progress(
            JobProgress(
                phase="transform",
                rows=totals.rows_in,
                bytes_read=reading.bytes_done,
                total_bytes=plan.total_bytes,
            )
        )
    logger.info(
        "local engine: %d rows in, %d rows out, %d partitions, %d worker(s)",
        totals.rows_in,
        totals.rows_out,
        len(writer.partitions),
        count,
    )
    consent = totals.consent or ConsentCounts(plan.config.missing_consent, dict(plan.config.consent))
    return EngineResult(
        rows_in=totals.rows_in,
        rows_out=totals.rows_out,
        timestamp_failures=dict(totals.timestamp_failures),
        normalization=totals.normalization,
        partitions=len(writer.partitions),
        bytes_written=writer.total_bytes,
        first_failures={c: f"{f}, line {n}" for c, (f, n) in totals.first_failure.items()},
        consent=consent,
    )
