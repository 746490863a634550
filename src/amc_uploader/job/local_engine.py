"""The local engine: streaming, constant memory, on every core.

The main process reads each input with the readers of ``amc_uploader.io`` (their exact validation and
messages: file, line, column), cuts the rows into batches and hands them to worker processes, which
transform and encode them (`job.columnar`); the results come back in input order and go into the gzip
partitions (`writer.GzipPartitionWriter.write_lines`), so the staged bytes are the same whatever the
number of workers. At most a few batches are in flight. A small input (or ``workers = 1``) is done in
this process, without starting a pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from amc_normalize import NormalizationReport
from amc_uploader.job.columnar import BATCH_ROWS, Batch, BatchCounts, BatchResult, BatchTransformer
from amc_uploader.job.consent import ConsentCounts
from amc_uploader.job.errors import InputError
from amc_uploader.job.inputs import open_reader
from amc_uploader.job.output import header_bytes
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.pool import OrderedPool, available_cores
from amc_uploader.job.report import JobProgress
from amc_uploader.job.writer import GzipPartitionWriter, SpooledPartition

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

    def batches(self) -> Iterator[Batch]:
        plan = self.plan
        for source in plan.inputs:
            with open_reader(
                source, plan.input_format, plan.gzipped[source.uri], plan.config.csv, s3_client=self.s3_client
            ) as reader:
                if reader.header != plan.header:
                    raise InputError(source.name, "header changed since validation", line=1)
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


def run_local(
    plan: JobPlan,
    on_partition: Callable[[SpooledPartition], None],
    *,
    progress: Callable[[JobProgress], None] | None = None,
    s3_client: Any = None,
    workers: int | None = None,
) -> EngineResult:
    """Transform every input row and hand each finished gzip partition to ``on_partition``."""
    writer = GzipPartitionWriter(
        plan.config.partition_cap_bytes,
        header=header_bytes(plan.output_format, plan.output_columns),
        on_partition=on_partition,
    )
    count = worker_count(plan, workers)
    reading = _Reading(plan, s3_client)
    totals = BatchCounts()
    pool: OrderedPool[Batch, BatchResult] | None = None
    reported = 0
    try:
        if count > 1:
            pool = OrderedPool(count, BatchTransformer, (plan,))
            results: Iterator[BatchResult] = pool.map(reading.batches())
        else:
            results = map(BatchTransformer(plan), reading.batches())
        for result in results:
            totals.merge(result.counts)
            writer.write_lines(result.data, result.lengths)
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
