"""The local engine: one process, streaming, constant memory (a row at a time, one spool partition)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amc_normalize import NormalizationReport
from amc_uploader.job.consent import ConsentCounts
from amc_uploader.job.errors import InputError
from amc_uploader.job.inputs import open_reader
from amc_uploader.job.output import header_bytes, make_serializer
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.report import JobProgress
from amc_uploader.job.transform import RowTransformer
from amc_uploader.job.writer import GzipPartitionWriter, SpooledPartition

__all__ = ["EngineResult", "run_local"]

logger = logging.getLogger(__name__)
_PROGRESS_EVERY = 20_000


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


def run_local(
    plan: JobPlan,
    on_partition: Callable[[SpooledPartition], None],
    *,
    progress: Callable[[JobProgress], None] | None = None,
    s3_client: Any = None,
) -> EngineResult:
    """Transform every input row and hand each finished gzip partition to ``on_partition``."""
    transform = RowTransformer(plan)
    serialize = make_serializer(plan.output_format, plan.output_columns)
    writer = GzipPartitionWriter(
        plan.config.partition_cap_bytes,
        header=header_bytes(plan.output_format, plan.output_columns),
        on_partition=on_partition,
    )
    bytes_done = 0
    try:
        for source in plan.inputs:
            with open_reader(
                source, plan.input_format, plan.gzipped[source.uri], plan.config.csv, s3_client=s3_client
            ) as reader:
                if reader.header != plan.header:
                    raise InputError(source.name, "header changed since validation", line=1)
                transform.source = source.name
                for line, values in reader.rows():
                    transform.line = line
                    out = transform(values)
                    if out is not None:
                        writer.write(serialize(out))
                    if progress is not None and transform.rows_in % _PROGRESS_EVERY == 0:
                        progress(
                            JobProgress(
                                phase="transform",
                                rows=transform.rows_in,
                                bytes_read=bytes_done + reader.bytes_read,
                                total_bytes=plan.total_bytes,
                            )
                        )
                bytes_done += reader.bytes_read
        writer.close()
    finally:
        writer.discard()
    if progress is not None:
        progress(
            JobProgress(
                phase="transform", rows=transform.rows_in, bytes_read=bytes_done, total_bytes=plan.total_bytes
            )
        )
    logger.info(
        "local engine: %d rows in, %d rows out, %d partitions",
        transform.rows_in,
        transform.rows_out,
        len(writer.partitions),
    )
    return EngineResult(
        rows_in=transform.rows_in,
        rows_out=transform.rows_out,
        timestamp_failures=dict(transform.timestamp_failures),
        normalization=transform.normalization_report(),
        partitions=len(writer.partitions),
        bytes_written=writer.total_bytes,
        first_failures={c: f"{f}, line {n}" for c, (f, n) in transform.first_failure.items()},
        consent=transform.consent.counts,
    )
