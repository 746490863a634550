"""The Spark engine: read with Spark, transform with ``amc_normalize.spark``, write gzip partitions from the
executors straight to the staging target, one pass, nothing but metadata back on the driver.

Quote-free CSV files, local or `s3://` (every line one record, `job.line_chunks`), skip Spark's readers:
they are cut into ranges of whole lines (local files scanned by the driver, `s3://` objects by a stage of
tasks) and each task of one RDD stage reads its ranges and runs the local engine's batch step over them
(`_run_ranges`), so no row passes through the JVM. Other CSV inputs (quoted fields, gzip, other
encodings) are read by Spark and go through the same batch step in the writer (`_row_writer`); JSON
lines and Parquet are transformed natively first (`_transform`, `_partition_writer`).

Why executors write with our writer instead of ``df.write.csv``: the cap is on *compressed* bytes and
must hold on any data (Spark's writer can only cap rows per file), partitions need the ``instanceId``
tag, and the output must be byte-identical to the local engine's (same serializer). Each task returns
one metadata row per file plus its counters (rows, outcomes, timestamp failures): a combiner-style
aggregation of a few hundred rows at most.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, cast
from urllib.parse import unquote

import pandas as pd

from amc_normalize import NormalizationReport
from amc_normalize.common import SPARK_ASCII_BLANKS, coerce_text, value_reason
from amc_uploader.io import GZIP_SUFFIXES, MAX_COLUMNS, InputFormat
from amc_uploader.io.cells import replace_surrogates
from amc_uploader.io.sources import s3_client_or_default
from amc_uploader.job.columnar import BatchTransformer
from amc_uploader.job.config import ColumnDataType, OutputFormat
from amc_uploader.job.consent import ConsentCounts, invalid_code, spark_consent_columns
from amc_uploader.job.countries import count_by_country, country_report
from amc_uploader.job.errors import InputError, JobConfigError, JobError, StagingError
from amc_uploader.job.inputs import InputFile, open_reader
from amc_uploader.job.layout import StagingLayout
from amc_uploader.job.line_chunks import (
    BlockScan,
    LineRange,
    blocks,
    header_end,
    line_ranges,
    may_go_by_lines,
    ranges_of,
)
from amc_uploader.job.local_engine import EngineResult
from amc_uploader.job.output import encode_columns, to_text
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.record import PartitionInfo
from amc_uploader.job.report import JobProgress
from amc_uploader.job.spark_tasks import (
    META_SCHEMA,
    TaskOutput,
    batch_stats,
    block_scanner,
    range_writer,
    task_counts,
)
from amc_uploader.job.staging import InstanceStage
from amc_uploader.job.target import TargetSpec
from amc_uploader.job.timestamps import batch_converter, failed_times
from amc_uploader.job.transform import timestamp_converter

__all__ = ["build_spark_session", "job_frame", "quiet_spark_logs", "run_spark"]

logger = logging.getLogger(__name__)

_OUTCOME = "__amc_outcome__"
_TS_FAIL = "__amc_ts_fail__"
_CONSENT = "__amc_consent__"
_CONSENT_VIOLATION = "__amc_consent_violation__"
_CONSENT_INVALID = "__amc_consent_invalid__"
_REASON = "__amc_reason__"
_LINE, _JSON, _SUSPECT, _FIXED = "__amc_line__", "__amc_json__", "__amc_suspect__", "__amc_fixed__"
_VERIFY = "__amc_verify__"
_PYTHON = "__amc_python__"


#: The driver JVM's flags of a local session (the whole job runs in it): the client compiler only and
#: the serial collector. A job's JVM work is short next to its Python work; the server compiler's and
#: the parallel collector's threads cost more CPU than they win back there (measured at 1 M CSV rows:
#: session start about 9.5 -> 5.8 CPU s, start and read 29-35 -> 25-27). A cluster's JVMs (Glue,
#: spark-submit) keep their own flags.
LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def build_spark_session(
    master: str = "local[*]", app_name: str = "amc-uploader", conf: Mapping[str, str] | None = None
) -> Any:
    """A SparkSession for adapters (CLI, Glue entry) and tests: UTC, Arrow on, no UI, then ``conf``; a
    local master also gets `LOCAL_JVM_OPTIONS` (``conf`` may set other driver Java options). Libraries
    never call this."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if master.startswith("local"):
        settings["spark.driver.extraJavaOptions"] = LOCAL_JVM_OPTIONS
    settings.update(conf or {})
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _read(spark: Any, plan: JobPlan) -> Any:
    """The inputs as a DataFrame of the header's columns (CSV and JSON lines: strings) plus `_VERIFY`:
    the input file of a row the local reader must look at (null for the others)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    paths = [f.uri for f in plan.inputs]
    for f in plan.inputs:
        if plan.gzipped[f.uri] and not f.uri.lower().endswith(GZIP_SUFFIXES):
            raise InputError(f.name, "gzip content without a .gz extension: Spark decompresses by extension")
    options = plan.config.csv
    if plan.input_format is InputFormat.PARQUET:
        return spark.read.parquet(*paths).withColumn(_VERIFY, F.lit(None).cast("string"))
    schema = StructType([StructField(c, StringType(), True) for c in plan.header])
    if plan.input_format is InputFormat.JSONL:
        return _read_json_lines(spark, paths, schema, plan)
    encoding = "UTF-8" if options.encoding.lower() in ("utf-8-sig", "utf-8", "utf8") else options.encoding
    reader = (
        spark.read.schema(schema)
        .option("header", str(options.header).lower())
        .option("sep", plan.delimiter or ",")
        .option("quote", options.quote)
        .option("escape", options.quote)  # RFC 4180 doubled quotes, as Python's csv module reads them
        .option("encoding", encoding)
        .option("mode", "FAILFAST")
        # Quoted fields may span lines, as the local engine reads them (both engines accept the same files).
        .option("multiLine", "true")
        .option("maxColumns", MAX_COLUMNS)
    )
    df = reader.csv(paths)
    # Spark decodes a bad byte as U+FFFD and reads a stray quote (`"a"b`) leniently, where the local
    # reader rejects the file: a row holding either is checked again by the local reader (`_verify`).
    # One SQL expression (one py4j call, whatever the number of columns).
    cells = ", ".join(_sql_name(c) for c in plan.header)
    suspect = F.expr(f"concat_ws('', {cells}) rlike '[\"\\ufffd]'")
    return df.withColumn(_VERIFY, F.when(suspect, F.input_file_name()))


def _sql_name(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


# A JSON `\\uD800`-`\\uDFFF` escape: the only way a lone surrogate reaches a job (no UTF-8 file holds one).
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"


def _reason_column(name: str) -> str:
    return f"{_REASON}{name}"


def _read_json_lines(spark: Any, paths: list[str], schema: Any, plan: JobPlan) -> Any:
    """JSON lines as the local reader sees them. Spark's JSON reader turns a lone surrogate into `?` and
    an object, a list or a boolean into text, and nothing tells them from text afterwards. So each line
    is parsed natively (`from_json`) and kept as text; the few lines that may hold such a value (a
    surrogate escape, a PII value that reads as `true`/`false`, any value that starts with `{` or `[`)
    are parsed again by the local engine's rules in Python (`_json_line_values`), which decide exactly;
    each PII column gets its invalid reason column (`hash_pii_columns(reason_columns=...)`)."""
    from pyspark.sql import functions as F

    line = F.col("value")
    lines = spark.read.text(paths).select(
        F.when(line.startswith("\ufeff"), F.expr("substring(value, 2)")).otherwise(line).alias(_LINE)
    )
    lines = lines.where(F.btrim(F.col(_LINE), F.lit(SPARK_ASCII_BLANKS)) != "")
    parsed = lines.select(_LINE, F.from_json(F.col(_LINE), schema, {"mode": "FAILFAST"}).alias(_JSON))
    df = parsed.select(_LINE, *[F.col(_JSON)[c].alias(c) for c in plan.header])
    pii = [c for c in plan.header if c in plan.pii]
    raw = F.col(_LINE)
    suspect = (F.instr(raw, "\\u") > 0) & raw.rlike(_SURROGATE_ESCAPE)
    for c in plan.header:
        col = F.col(f"`{c}`")
        suspect = suspect | col.startswith("{") | col.startswith("[")
        if c in pii:
            suspect = suspect | col.isin("true", "false")
    # The local reader rejects a key the first record lacks and a byte that is no UTF-8 (Spark's text
    # source keeps it; decoding it to a Java string makes it the longer U+FFFD).
    keys = F.json_object_keys(raw)
    unexpected = F.coalesce(
        F.size(F.array_except(keys, F.array(*[F.lit(c) for c in plan.header]))) > 0, F.lit(False)
    )
    undecodable = F.octet_length(F.encode(raw, "UTF-8")) != F.octet_length(raw)
    df = df.withColumn(_VERIFY, F.when(unexpected | undecodable, F.input_file_name()))
    df = df.withColumn(_SUSPECT, suspect)
    fixed = F.col(_FIXED)
    df = df.withColumn(_FIXED, F.when(F.col(_SUSPECT), _json_line_udf(plan.header, pii)(raw)))
    replaced = {
        c: F.when(F.col(_SUSPECT), fixed[f"v{i}"]).otherwise(F.col(f"`{c}`"))
        for i, c in enumerate(plan.header)
    }
    replaced.update({_reason_column(c): fixed[f"r{j}"] for j, c in enumerate(pii)})
    return df.withColumns(replaced).drop(_FIXED, _SUSPECT, _LINE)


def _json_line_values(text: str, header: Sequence[str], pii: Sequence[str]) -> list[str | None]:
    """One JSON line -> each column's text as the local engine reads and writes it, then each PII
    column's invalid reason (`value_reason`): plain values as written (`to_text`, U+FFFD for a lone
    surrogate), PII values as hashed (`coerce_text`; None with a reason when they are no text)."""
    record = json.loads(text)
    values: list[str | None] = []
    reasons: list[str | None] = []
    pii_set = set(pii)
    for name in header:
        value = record.get(name)
        if name in pii_set:
            reason = value_reason(value)
            reasons.append(reason)
            values.append(None if reason is not None else coerce_text(value))
        else:
            text_value = to_text(value)
            values.append(None if text_value is None else replace_surrogates(text_value))
    return values + reasons


def _json_line_udf(header: Sequence[str], pii: Sequence[str]) -> Any:
    from pyspark.sql.pandas.functions import pandas_udf

    names = [f"v{i}" for i in range(len(header))] + [f"r{j}" for j in range(len(pii))]
    columns = list(header)
    pii_columns = list(pii)

    def parse(lines: pd.Series) -> pd.DataFrame:
        rows = [
            [None] * len(names) if line is None else _json_line_values(line, columns, pii_columns)
            for line in lines
        ]
        return pd.DataFrame(rows, columns=names, dtype=object)

    return cast(Any, pandas_udf)(parse, ", ".join(f"{n} string" for n in names))


def _timestamp_udf(kind: ColumnDataType) -> Any:
    from pyspark.sql.pandas.functions import pandas_udf

    convert = batch_converter(timestamp_converter(kind))

    def to_amc(values: pd.Series) -> pd.Series:
        return pd.Series(convert(list(values.astype(object))), dtype=object)

    # pyspark reads the pd.Series -> pd.Series hints (module globals) to pick a scalar UDF.
    return pandas_udf(to_amc, "string")  # type: ignore[call-overload]


def _row_country(plan: JobPlan) -> Any:
    """Each row's resolved country: the country column once `hash_pii_columns` resolved it, else the job's."""
    from pyspark.sql import functions as F

    if plan.country_column is None:
        return F.lit(plan.country_code)
    return F.col(f"`{plan.country_column}`")


@dataclass(frozen=True)
class _Layout:
    """Where the writer finds each column of the transformed DataFrame (Arrow batch column indices)."""

    output: list[int]
    outcomes: list[int]
    failures: list[int]
    consent: int
    violation: int
    consent_invalid: list[int]
    verify: int
    country: int | None
    #: Per PII column completed in the writer: (hash, outcome, text for Python) indices, type, country.
    deferred: list[tuple[int, int, int, str, str]]
    #: Per time column converted in the writer: (column, failure flag) indices, kind, is the event time.
    times: list[tuple[int, int, ColumnDataType, bool]]


def _transform(df: Any, plan: JobPlan) -> tuple[Any, _Layout, list[str], list[str]]:
    """The input with PII columns hashed, time columns converted and consent columns staged in place,
    plus one outcome column per PII column, one failure flag per time column, the consent row code, its
    violation flag and one invalid-reason column per consent column. Columns are replaced or added in
    a few calls whatever the width of the file (each column expression is a py4j call on the driver: a
    20,000-column file would spend minutes in them)."""
    from pyspark.sql import functions as F

    consent = plan.config.consent
    # The row's resolved country (a column expression); the consent rule is per row.
    staged_consent, invalid_consent, consent_code, violation = spark_consent_columns(
        consent, _row_country(plan)
    )

    from amc_normalize.spark import hash_pii_columns

    pii_columns = [c for c in plan.output_columns if c in plan.pii]
    # One country: the Python part of the rules runs in the writer's pass (one Python round trip per
    # batch); a country column keeps the UDFs (the country itself may need Python to resolve).
    deferred = plan.country_column is None
    if pii_columns or plan.country_column:
        spec = {c: plan.pii[c] for c in pii_columns}
        df = df.transform(
            hash_pii_columns(
                spec,
                plan.country_code or "",
                outcome_columns=True,
                outcome_suffix=_OUTCOME,
                country_column=plan.country_column,
                python_suffix=_PYTHON if deferred else None,
                reason_columns=(
                    {c: _reason_column(c) for c in pii_columns}
                    if plan.input_format is InputFormat.JSONL
                    else None
                ),
            )
        )
    changes: dict[str, Any] = {}
    fail_cols: list[str] = []
    # Text timestamps are converted in the writer's pass too; Parquet's typed ones by a UDF (Spark's
    # Arrow conversion of its timestamp types differs between the two paths, the UDF's is the tested one).
    times_in_writer = plan.input_format is not InputFormat.PARQUET
    for name in plan.output_columns:
        if name in plan.timestamp_columns and times_in_writer:
            changes[f"{_TS_FAIL}{name}"] = F.lit(None).cast("boolean")
            fail_cols.append(name)
        elif name in plan.timestamp_columns:
            col = F.col(f"`{name}`")
            raw = col if plan.input_format is InputFormat.PARQUET else col.cast("string")
            converted = _timestamp_udf(plan.timestamp_columns[name])(raw)
            missing = raw.isNull() | (raw.cast("string") == "")
            failed = F.when(missing, F.lit(name == plan.config.event_time)).otherwise(converted.isNull())
            changes[name] = converted
            changes[f"{_TS_FAIL}{name}"] = failed
            fail_cols.append(name)
        elif name in staged_consent:
            changes[name] = staged_consent[name]
    changes[_CONSENT] = consent_code
    changes[_CONSENT_VIOLATION] = violation
    changes.update({f"{_CONSENT_INVALID}{c}": invalid_consent[c] for c in consent})
    df = df.withColumns(changes)
    dropped = [c for c in plan.header if c not in set(plan.output_columns)]
    if dropped:
        df = df.drop(*dropped)
    at = {name: i for i, name in enumerate(df.columns)}
    layout = _Layout(
        output=[at[c] for c in plan.output_columns],
        outcomes=[at[f"{c}{_OUTCOME}"] for c in pii_columns],
        failures=[at[f"{_TS_FAIL}{c}"] for c in fail_cols],
        consent=at[_CONSENT],
        violation=at[_CONSENT_VIOLATION],
        consent_invalid=[at[f"{_CONSENT_INVALID}{c}"] for c in consent],
        verify=at[_VERIFY],
        country=at[plan.country_column] if plan.country_column is not None else None,
        deferred=[
            (at[c], at[f"{c}{_OUTCOME}"], at[f"{c}{_PYTHON}"], plan.pii[c], plan.country_code or "")
            for c in (pii_columns if deferred else [])
        ],
        times=[
            (at[c], at[f"{_TS_FAIL}{c}"], plan.timestamp_columns[c], c == plan.config.event_time)
            for c in (fail_cols if times_in_writer else [])
        ],
    )
    return df, layout, pii_columns, fail_cols


def _partition_writer(
    *,
    output_format: OutputFormat,
    columns: list[str],
    layout: _Layout,
    outcome_cols: list[str],
    fail_cols: list[str],
    cap: int,
    targets: list[tuple[TargetSpec, StagingLayout]],
    consent_cols: list[str],
    drop_without_consent: bool,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function each task runs over its Arrow batches (pickled to the executors)."""

    def write(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        from amc_normalize.spark import python_completer

        completers = [python_completer(t, cc) for *_, t, cc in layout.deferred]
        converters = [batch_converter(timestamp_converter(kind)) for _, _, kind, _ in layout.times]
        task = TaskOutput(output_format, columns, cap, targets)
        outcomes: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        consent: Counter[str] = Counter()
        consent_invalid: Counter[str] = Counter()
        rows_in = rows_out = 0
        verify: set[str] = set()
        with task:
            for incoming in batches:
                batch = incoming
                rows_in += batch.num_rows
                verify.update(_flagged(batch, layout.verify))
                batch = _complete(batch, layout, completers, converters)
                # Counting is vectorized (Arrow compute); only serialization walks the rows in Python.
                if fail_cols:
                    failed_any = None
                    for name, at in zip(fail_cols, layout.failures, strict=True):
                        flags = pc.fill_null(batch.column(at), False)
                        failures[name] += pc.sum(flags).as_py() or 0
                        failed_any = flags if failed_any is None else pc.or_(failed_any, flags)
                    batch = batch.filter(pc.invert(failed_any))
                for item in pc.value_counts(batch.column(layout.consent)).to_pylist():
                    if item["values"] is not None:
                        consent[item["values"]] += item["counts"]
                for name, at in zip(consent_cols, layout.consent_invalid, strict=True):
                    for item in pc.value_counts(batch.column(at)).to_pylist():
                        if item["values"] is not None:
                            consent_invalid[invalid_code(name, item["values"])] += item["counts"]
                if drop_without_consent:
                    batch = batch.filter(pc.invert(pc.fill_null(batch.column(layout.violation), False)))
                if layout.country is None:
                    for name, at in zip(outcome_cols, layout.outcomes, strict=True):
                        for item in pc.value_counts(batch.column(at)).to_pylist():
                            outcomes[f"{name}\t{item['values']}"] += item["counts"]
                else:
                    keyed = pa.RecordBatch.from_arrays(
                        [batch.column(i) for i in [layout.country, *layout.outcomes]],
                        names=["country", *outcome_cols],
                    )
                    count_by_country(keyed, 0, 1, outcome_cols, outcomes)
                # Encoded and deflated column by column, as the local engine's workers do.
                data = [batch.column(i).to_pylist() for i in layout.output]
                encoded, lengths = encode_columns(output_format, columns, data)
                task.write(encoded, lengths)
                rows_out += batch.num_rows
        yield task.meta(
            {
                "rows_in": rows_in,
                "rows_out": rows_out,
                "outcomes": outcomes,
                "failures": failures,
                "consent": consent,
                "consent_invalid": consent_invalid,
                "verify": sorted(verify),
                "exact": [],
            }
        )

    return write


def _flagged(batch: Any, verify_at: int) -> list[str]:
    """The input files of a batch's rows that the local reader must look at (`_VERIFY`)."""
    import pyarrow.compute as pc

    flagged = batch.column(verify_at)
    if flagged.null_count == batch.num_rows:
        return []
    return list(pc.unique(flagged.drop_null()).to_pylist())


#: The smallest range of lines a task gets: below this, its fixed costs weigh.
_MIN_RANGE_BYTES = 4 << 20


def _line_ranges(spark: Any, plan: JobPlan) -> list[LineRange] | None:
    """Every input cut into ranges of whole lines (`line_chunks`), about two per core, when every input
    is a quote-free CSV file; else None (Spark's CSV reader). Local files are scanned here; `s3://`
    objects in one stage of tasks, a block each (each reads its block once; the job reads it again)."""
    if plan.input_format is not InputFormat.CSV or not plan.total_bytes:
        return None
    if not all(may_go_by_lines(plan, f) for f in plan.inputs):
        return None
    parallelism = spark.sparkContext.defaultParallelism
    # Two ranges per core: a task costs its Python worker a fixed part (about 0.15 CPU s here), and two
    # waves still even out a core that a shared machine slows down.
    piece = max(_MIN_RANGE_BYTES, min(128 << 20, plan.total_bytes // (parallelism * 2) + 1))
    found: dict[str, list[LineRange]] = {}
    remote: list[tuple[str, int, int, int]] = []
    s3 = None
    for source in plan.inputs:
        if source.local_path is not None:
            local = line_ranges(plan, source, piece)
            if local is None:
                return None
            found[source.uri] = local
            continue
        s3 = s3 or s3_client_or_default(None, plan.config.s3_endpoint_url)
        start = header_end(plan, source.uri, s3) if source.size else None
        if start is None or source.size is None:
            return None
        remote += [(source.uri, a, b, source.size) for a, b in blocks(start, source.size, piece)]
    if remote:
        scan = block_scanner(plan.config.csv.quote.encode(), plan.config.s3_endpoint_url)
        tasks = spark.sparkContext.parallelize(remote, len(remote))
        scans: list[tuple[str, BlockScan]] = tasks.mapPartitions(scan).collect()
        for source in plan.inputs:
            if source.local_path is None:
                ranges = ranges_of(source.name, source.uri, [s for uri, s in scans if uri == source.uri])
                if ranges is None:
                    return None
                found[source.uri] = ranges
    return [r for source in plan.inputs for r in found[source.uri]]


def _run_ranges(
    spark: Any, plan: JobPlan, stages: Sequence[InstanceStage], ranges: list[LineRange]
) -> list[dict[str, Any]]:
    """The job over ranges of lines (`range_writer`) as one stage of a task per range: a plain RDD of
    range numbers, so that no row and no SQL plan passes through the JVM (measured at 1 M rows: the
    same writer as a DataFrame's `mapInArrow` costs about 5 CPU s more, SQL planning, code generation
    and Arrow in the JVM)."""
    targets = [(stage.target.spec, stage.layout) for stage in stages]
    numbers = spark.sparkContext.parallelize(range(len(ranges)), len(ranges))
    return cast(list[dict[str, Any]], numbers.mapPartitions(range_writer(plan, targets, ranges)).collect())


def _row_writer(
    plan: JobPlan, targets: list[tuple[TargetSpec, StagingLayout]]
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The writer of a CSV input: the local engine's own batch step (`BatchTransformer`: time columns,
    consent, PII hashing with the batch hash functions, counting and encoding) over each Arrow batch of
    the header's columns, in this one Python pass. Spark only reads and splits the files."""
    width = len(plan.header)

    def write(batches: Iterator[Any]) -> Iterator[Any]:
        transform = BatchTransformer(plan)
        task = TaskOutput(plan.output_format, plan.output_columns, plan.config.partition_cap_bytes, targets)
        totals = task_counts(plan)
        verify: set[str] = set()
        with task:
            for batch in batches:
                verify.update(_flagged(batch, width))
                columns = [batch.column(i).to_pylist() for i in range(width)]
                result = transform.columns("", range(batch.num_rows), columns)
                totals.merge(result.counts)
                task.write(result.data, result.lengths)
        yield task.meta(batch_stats(totals, verify=sorted(verify)))

    return write


def _complete(batch: Any, layout: _Layout, completers: list[Any], converters: list[Any]) -> Any:
    """The Python part of a batch, in the writer's pass: the PII values only the Python rules can hash,
    and the text timestamps."""
    import pyarrow as pa

    arrays = list(batch.columns)
    changed = False
    for (hash_at, outcome_at, text_at, _, _), complete in zip(layout.deferred, completers, strict=True):
        texts = arrays[text_at]
        if texts.null_count == len(texts):
            continue
        hashes, outcomes = arrays[hash_at].to_pylist(), arrays[outcome_at].to_pylist()
        complete(texts.to_pylist(), hashes, outcomes)
        arrays[hash_at], arrays[outcome_at] = pa.array(hashes, pa.string()), pa.array(outcomes, pa.string())
        changed = True
    for (at, fail_at, _, is_event), convert in zip(layout.times, converters, strict=True):
        raw = arrays[at].to_pylist()
        converted = convert(raw)
        failed = failed_times(raw, converted, is_event)
        arrays[at], arrays[fail_at] = pa.array(converted, pa.string()), pa.array(failed, pa.bool_())
        changed = True
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch


def run_spark(
    plan: JobPlan,
    stages: Sequence[InstanceStage],
    *,
    spark: Any = None,
    progress: Callable[[JobProgress], None] | None = None,
) -> EngineResult:
    """Run the job on Spark; staged partitions are recorded on ``stages`` (empty for a dry run)."""
    spark = spark or _active_session()
    if progress is not None:
        progress(JobProgress(phase="spark", total_bytes=plan.total_bytes))
    parallelism = spark.sparkContext.defaultParallelism
    # Splits small enough for a few tasks per core (the work per byte is high: hashing in Python), so
    # the last wave does not leave cores idle. Set for this job only, then restored.
    key = "spark.sql.files.maxPartitionBytes"
    previous = spark.conf.get(key, None)
    if plan.total_bytes and plan.input_format is not InputFormat.PARQUET:
        spark.conf.set(key, str(max(4 << 20, min(128 << 20, plan.total_bytes // (parallelism * 4) + 1))))
    try:
        with quiet_spark_logs(spark):
            ranges = _line_ranges(spark, plan)
            if ranges is not None:
                meta = _run_ranges(spark, plan, stages, ranges)
            else:
                meta = job_frame(spark, plan, stages).collect()
    except JobError:
        raise  # ours already (one line, no value)
    except Exception as exc:
        raise _translate_spark_error(plan, exc) from None
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)
    stats = [json.loads(row["payload"]) for row in meta if row["kind"] == "stats"]
    _read_exactly(plan, {name for task in stats for name in task["exact"]})
    _verify(plan, {name for task in stats for name in task["verify"]})
    result = _collect(plan, stages, meta, [c for c in plan.output_columns if c in plan.pii])
    share = plan.config.max_timestamp_failure_share
    failing = [c for c, n in result.timestamp_failures.items() if n and n > share * max(result.rows_in, 1)]
    if failing:
        # The job fails on these columns: its message names where each first failed, as the local
        # engine's does (Spark has no line numbers): found by the local reader, on this path only.
        result = replace(result, first_failures=_first_time_failures(plan, failing))
    return result


def _open_local_reader(plan: JobPlan, source: InputFile) -> Any:
    """The local reader of an input, on the driver (`s3://` through the job's endpoint)."""
    s3 = s3_client_or_default(None, plan.config.s3_endpoint_url) if source.is_s3 else None
    return open_reader(source, plan.input_format, plan.gzipped[source.uri], plan.config.csv, s3_client=s3)


def _first_time_failures(plan: JobPlan, columns: list[str]) -> dict[str, str]:
    """`file, line` of the first row where each time column fails, by the local engine's rule (missing
    fails the event time only; otherwise the conversion fails)."""

    checks = [
        (
            c,
            plan.header.index(c),
            timestamp_converter(plan.timestamp_columns[c]),
        )
        for c in columns
    ]
    found: dict[str, str] = {}
    for f in plan.inputs:
        with _open_local_reader(plan, f) as reader:
            for line, values in reader.rows():
                for column, at, convert in checks:
                    raw = values[at]
                    missing = raw is None or raw == ""
                    failed = column == plan.config.event_time if missing else convert(raw) is None
                    if failed and column not in found:
                        found[column] = f"{f.name}, line {line}"
                if len(found) == len(checks):
                    return found
    return found


def job_frame(spark: Any, plan: JobPlan, stages: Sequence[InstanceStage]) -> Any:
    """The job as one Spark DataFrame, lazily: read, native transform, then the writer (the one Python
    stage), whose rows are the staged files' metadata and each task's counters. (Quote-free CSV files
    do not go through Spark's readers: `_run_ranges`.)"""
    df = _read(spark, plan)
    if plan.input_format is InputFormat.PARQUET:
        missing = [c for c in plan.header if c not in df.columns]
        if missing:
            raise InputError(plan.inputs[0].name, "column not found by Spark", column=missing[0])
    if _needs_spreading(plan, spark.sparkContext.defaultParallelism):
        # A file read in one task: spread the (expensive) hashing over every core.
        df = df.repartition(spark.sparkContext.defaultParallelism)
    targets = [(stage.target.spec, stage.layout) for stage in stages]
    if plan.input_format is InputFormat.CSV:
        return df.mapInArrow(_row_writer(plan, targets), META_SCHEMA)
    transformed, layout, outcome_cols, fail_cols = _transform(df, plan)
    write = _partition_writer(
        output_format=plan.output_format,
        columns=plan.output_columns,
        layout=layout,
        outcome_cols=outcome_cols,
        fail_cols=fail_cols,
        cap=plan.config.partition_cap_bytes,
        targets=targets,
        consent_cols=list(plan.config.consent),
        drop_without_consent=plan.config.missing_consent == "drop",
    )
    return transformed.mapInArrow(write, META_SCHEMA)


#: Spark's loggers that quote input records (a malformed record, a failed task's exception) at ERROR.
_RECORD_QUOTING_LOGGERS = ("org.apache.spark", "org.sparkproject")


@contextmanager
def quiet_spark_logs(spark: Any) -> Iterator[None]:
    """Silence Spark's own log lines for the duration of a job: a failed task's log line (and its Java
    stack trace) can quote the record it failed on. The job's error is ours: one line, file and line,
    no value. Applies to the driver JVM (all of a local session; a cluster's executors log on their hosts)."""
    try:
        jvm = spark.sparkContext._jvm
        log4j = jvm.org.apache.logging.log4j
        context = log4j.LogManager.getContext(False)
        config = context.getConfiguration()
        # Loggers without their own level inherit one: they get it back by losing the one set here.
        previous = {
            name: config.getLoggers().get(name).getLevel() if config.getLoggers().containsKey(name) else None
            for name in _RECORD_QUOTING_LOGGERS
        }
    except Exception:  # not log4j 2 (a custom JVM setup): nothing to silence through it
        yield
        return
    for name in _RECORD_QUOTING_LOGGERS:
        log4j.core.config.Configurator.setLevel(name, log4j.Level.OFF)
    try:
        yield
    finally:
        for name, level in previous.items():
            if level is None:
                config.removeLogger(name)
            else:
                log4j.core.config.Configurator.setLevel(name, level)
        context.updateLoggers()


def _verify(plan: JobPlan, names: set[str]) -> None:
    """Read the files Spark flagged (`_VERIFY`) with the local reader, which rejects them as the local
    engine does (file and line) or accepts them (a U+FFFD or a quote that is really in the data)."""
    if not names:
        return
    paths = {unquote(n.removeprefix("file:").removeprefix("//")) for n in names}
    flagged = [
        f for f in plan.inputs if any(p == f.uri or p.endswith(f.uri.split("://", 1)[-1]) for p in paths)
    ]
    found = _locate_malformed(plan, flagged or plan.inputs)
    if found is not None:
        raise found


def _read_exactly(plan: JobPlan, names: set[str]) -> None:
    """Read the files a range writer could not parse with the local reader, which fails with its exact
    message (file, line, reason), as the local engine does."""
    if not names:
        return
    files = [f for f in plan.inputs if f.name in names]
    found = _locate_malformed(plan, files)
    raise found or StagingError(f"{files[0].name}: the Spark engine and the reader disagree on this file")


#: Below this, a shuffle costs more than the hashing it would spread.
_SPREAD_MIN_BYTES = 32 << 20


def _needs_spreading(plan: JobPlan, parallelism: int) -> bool:
    """Whether the inputs are fewer splits than cores: files Spark reads in one task each (CSV, read
    with multiLine; gzip, which cannot be cut) fewer than the cores, big enough to matter. Decided from
    the plan, without asking Spark for its partitions (that builds the physical plan once more)."""
    if plan.input_format is InputFormat.PARQUET or len(plan.inputs) >= parallelism:
        return False
    whole = plan.input_format is InputFormat.CSV or all(plan.gzipped[f.uri] for f in plan.inputs)
    return whole and (plan.total_bytes or 0) >= _SPREAD_MIN_BYTES


def _active_session() -> Any:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    if spark is None:
        raise JobConfigError("the spark engine needs a SparkSession (the CLI and the Glue entry start one)")
    return spark


def _translate_spark_error(plan: JobPlan, exc: Exception) -> Exception:
    """Spark's messages can quote input records (PII): keep only the kind of failure."""
    text = str(exc)
    names = ", ".join(f.name for f in plan.inputs)
    logger.error("spark job failed: %s", type(exc).__name__)
    if "MALFORMED_RECORD" in text or "Malformed" in text:
        return _locate_malformed(plan) or InputError(
            names, "malformed record (ragged row, bad quoting or invalid JSON line)"
        )
    if "PATH_NOT_FOUND" in text or "Path does not exist" in text:
        return InputError(names, "input path not found by Spark")
    for marker in ("EOFException", "Unexpected end of input stream", "ZipException", "Not in GZIP format"):
        if marker in text:
            return InputError(names, "truncated or corrupt gzip data")
    return JobConfigError(f"the Spark job failed ({type(exc).__name__}); see the driver log for details")


def _locate_malformed(plan: JobPlan, files: Sequence[InputFile] | None = None) -> InputError | None:
    """The local readers' error (file and line, never the row) for a record Spark found malformed or
    flagged: read again only on this path."""

    for f in plan.inputs if files is None else files:
        try:
            with _open_local_reader(plan, f) as reader:
                for _ in reader.rows():
                    pass
        except InputError as exc:
            return exc
        except Exception:
            logger.warning("could not locate the malformed record locally", exc_info=False)
            return None
    return None


def _collect(
    plan: JobPlan, stages: Sequence[InstanceStage], meta: list[Any], outcome_cols: list[str]
) -> EngineResult:
    rows_in = rows_out = 0
    outcomes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    consent = ConsentCounts(plan.config.missing_consent, dict(plan.config.consent))
    parts = sorted((r["chunk"], r["idx"], r["rows"], r["size"]) for r in meta if r["kind"] == "part")
    normalization = NormalizationReport()
    # Counted in input order (tasks by chunk), as the local engine merges its batches.
    for row in sorted((r for r in meta if r["kind"] == "stats"), key=lambda r: int(r["chunk"])):
        stats = json.loads(row["payload"])
        rows_in += stats["rows_in"]
        rows_out += stats["rows_out"]
        outcomes.update(stats.get("outcomes", {}))
        if "normalization" in stats:
            normalization.merge(NormalizationReport.from_dict(stats["normalization"]))
        failures.update(stats["failures"])
        for code, count in stats["consent"].items():
            consent.add_code(code, count)
        for code, count in stats["consent_invalid"].items():
            consent.add_invalid_code(code, count)
    for stage in stages:
        for chunk, idx, n_rows, size in parts:
            key = stage.layout.partition_key(idx, plan.output_format, chunk=chunk)
            stage.add_staged(PartitionInfo(key=key, uri=stage.target.uri(key), rows=n_rows, size_bytes=size))
    if not outcomes:
        report = normalization
    elif plan.country_column is not None:
        report = country_report(outcomes, {c: plan.pii[c] for c in outcome_cols})
    else:
        report = NormalizationReport()
        for entry, count in sorted(outcomes.items()):
            column, code = entry.split("\t", 1)
            outcome, _, reason = code.partition(":")
            report.add(column, plan.pii[column], outcome, reason or None, count)
    return EngineResult(
        rows_in=rows_in,
        rows_out=rows_out,
        timestamp_failures=dict(failures),
        normalization=report,
        partitions=len(parts),
        bytes_written=sum(p[3] for p in parts),
        consent=consent,
    )


def has_consent_violation(plan: JobPlan, *, spark: Any = None) -> bool:
    """Whether any EEA/UK row lacks usable consent (a distributed scan that stops at the first hit):
    for `missing_consent = fail`, whose message the local reader then completes with the first line."""

    spark = spark or _active_session()
    df = _read(spark, plan)
    if plan.country_column is not None:
        from amc_normalize.spark import hash_pii_columns

        df = df.transform(hash_pii_columns({}, plan.country_code, country_column=plan.country_column))
    _, _, _, violation = spark_consent_columns(plan.config.consent, _row_country(plan))
    try:
        with quiet_spark_logs(spark):
            return bool(df.where(violation).limit(1).count())
    except Exception as exc:
        raise _translate_spark_error(plan, exc) from None
