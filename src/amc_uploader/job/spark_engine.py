"""The Spark engine: read with Spark, transform with ``amc_normalize.spark``, write gzip partitions from the
executors straight to the staging target, one pass, nothing but metadata back on the driver.

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
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import pandas as pd

from amc_client.s3_contract import instance_tags
from amc_normalize import NormalizationReport
from amc_normalize.common import SPARK_ASCII_BLANKS, coerce_text, value_reason
from amc_uploader.io import GZIP_SUFFIXES, MAX_COLUMNS, InputFormat
from amc_uploader.io.cells import replace_surrogates
from amc_uploader.job.config import ColumnDataType, OutputFormat
from amc_uploader.job.consent import ConsentCounts, spark_consent_columns
from amc_uploader.job.countries import count_by_country, country_report
from amc_uploader.job.errors import InputError, JobConfigError
from amc_uploader.job.layout import StagingLayout
from amc_uploader.job.local_engine import EngineResult
from amc_uploader.job.output import header_bytes, make_serializer, to_text
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.record import PartitionInfo
from amc_uploader.job.report import JobProgress
from amc_uploader.job.staging import InstanceStage
from amc_uploader.job.target import TargetSpec
from amc_uploader.job.timestamps import convert_date, convert_timestamp
from amc_uploader.job.writer import GzipPartitionWriter, SpooledPartition

__all__ = ["build_spark_session", "run_spark"]

logger = logging.getLogger(__name__)

_OUTCOME = "__amc_outcome__"
_TS_FAIL = "__amc_ts_fail__"
_CONSENT = "__amc_consent__"
_CONSENT_VIOLATION = "__amc_consent_violation__"
_CONSENT_INVALID = "__amc_consent_invalid__"
_REASON = "__amc_reason__"
_LINE, _JSON, _SUSPECT, _FIXED = "__amc_line__", "__amc_json__", "__amc_suspect__", "__amc_fixed__"
_META_SCHEMA = "kind string, chunk int, idx int, rows long, size long, payload string"


def build_spark_session(master: str = "local[*]", app_name: str = "amc-uploader") -> Any:
    """A SparkSession for adapters (CLI, Glue entry): UTC, Arrow on, no UI. Libraries never call this."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    session = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _read(spark: Any, plan: JobPlan) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    paths = [f.uri for f in plan.inputs]
    for f in plan.inputs:
        if plan.gzipped[f.uri] and not f.uri.lower().endswith(GZIP_SUFFIXES):
            raise InputError(f.name, "gzip content without a .gz extension: Spark decompresses by extension")
    options = plan.config.csv
    if plan.input_format is InputFormat.PARQUET:
        return spark.read.parquet(*paths)
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
    return reader.csv(paths)


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

    convert = convert_date if kind is ColumnDataType.DATE else convert_timestamp

    def to_amc(values: pd.Series) -> pd.Series:
        return pd.Series([None if v is None else convert(v) for v in values.astype(object)], dtype=object)

    # pyspark reads the pd.Series -> pd.Series hints (module globals) to pick a scalar UDF.
    return pandas_udf(to_amc, "string")  # type: ignore[call-overload]


def _row_country(plan: JobPlan) -> Any:
    """Each row's resolved country: the country column once `hash_pii_columns` resolved it, else the job's."""
    from pyspark.sql import functions as F

    if plan.country_column is None:
        return F.lit(plan.country_code)
    return F.col(f"`{plan.country_column}`")


def _transform(df: Any, plan: JobPlan) -> tuple[Any, list[str], list[str]]:
    """Output columns, then one outcome column per PII column, then one failure flag per time column,
    then the consent row code, its violation flag and one invalid-reason column per consent column."""
    from pyspark.sql import functions as F

    consent = plan.config.consent
    # The row's resolved country (a column expression); the consent rule is per row.
    staged_consent, invalid_consent, consent_code, violation = spark_consent_columns(
        consent, _row_country(plan)
    )

    from amc_normalize.spark import hash_pii_columns

    pii_columns = [c for c in plan.output_columns if c in plan.pii]
    if pii_columns or plan.country_column:
        spec = {c: plan.pii[c] for c in pii_columns}
        df = df.transform(
            hash_pii_columns(
                spec,
                plan.country_code or "",
                outcome_columns=True,
                outcome_suffix=_OUTCOME,
                country_column=plan.country_column,
                reason_columns=(
                    {c: _reason_column(c) for c in pii_columns}
                    if plan.input_format is InputFormat.JSONL
                    else None
                ),
            )
        )
    selected: list[Any] = []
    fail_cols: list[str] = []
    extras: list[Any] = [F.col(f"`{name}{_OUTCOME}`") for name in pii_columns]
    for name in plan.output_columns:
        col = F.col(f"`{name}`")
        if name in plan.timestamp_columns:
            raw = col if plan.input_format is InputFormat.PARQUET else col.cast("string")
            converted = _timestamp_udf(plan.timestamp_columns[name])(raw)
            missing = raw.isNull() | (raw.cast("string") == "")
            failed = F.when(missing, F.lit(name == plan.config.event_time)).otherwise(converted.isNull())
            selected.append(converted.alias(name))
            fail_cols.append(name)
            extras.append(failed.alias(f"{_TS_FAIL}{name}"))
        elif name in staged_consent:
            selected.append(staged_consent[name].alias(name))
        else:
            selected.append(col)
    extras += [consent_code.alias(_CONSENT), violation.alias(_CONSENT_VIOLATION)]
    extras += [invalid_consent[c].alias(f"{_CONSENT_INVALID}{c}") for c in consent]
    return df.select(*selected, *extras), pii_columns, fail_cols


def _partition_writer(
    *,
    output_format: OutputFormat,
    columns: list[str],
    outcome_cols: list[str],
    fail_cols: list[str],
    cap: int,
    targets: list[tuple[TargetSpec, StagingLayout]],
    consent_cols: list[str],
    drop_without_consent: bool,
    country_column: str | None = None,
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function each task runs over its Arrow batches (pickled to the executors)."""
    n_out = len(columns)
    country_index = columns.index(country_column) if country_column is not None else None
    first_outcome = n_out
    first_fail = n_out + len(outcome_cols)
    consent_at = first_fail + len(fail_cols)

    def write(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]
        from pyspark import TaskContext

        context = TaskContext.get()
        chunk = context.partitionId() if context is not None else 0
        opened = [(spec.open(), layout) for spec, layout in targets]
        serialize = make_serializer(output_format, columns)
        staged: list[tuple[int, int, int]] = []

        def on_partition(part: SpooledPartition) -> None:
            for target, layout in opened:
                key = layout.partition_key(part.index, output_format, chunk=chunk)
                target.put_file(key, part.path, tags=instance_tags(layout.instance_id))
            part.path.unlink(missing_ok=True)
            staged.append((part.index, part.rows, part.size_bytes))

        writer = GzipPartitionWriter(
            cap, header=header_bytes(output_format, columns), on_partition=on_partition
        )
        outcomes: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        consent: Counter[str] = Counter()
        consent_invalid: Counter[str] = Counter()
        rows_in = rows_out = 0
        try:
            for incoming in batches:
                batch = incoming
                rows_in += batch.num_rows
                # Counting is vectorized (Arrow compute); only serialization walks the rows in Python.
                if fail_cols:
                    failed_any = None
                    for j, name in enumerate(fail_cols):
                        flags = pc.fill_null(batch.column(first_fail + j), False)
                        failures[name] += pc.sum(flags).as_py() or 0
                        failed_any = flags if failed_any is None else pc.or_(failed_any, flags)
                    batch = batch.filter(pc.invert(failed_any))
                for item in pc.value_counts(batch.column(consent_at)).to_pylist():
                    if item["values"] is not None:
                        consent[item["values"]] += item["counts"]
                for j, name in enumerate(consent_cols):
                    for item in pc.value_counts(batch.column(consent_at + 2 + j)).to_pylist():
                        if item["values"] is not None:
                            consent_invalid[f"{name}\t{item['values']}"] += item["counts"]
                if drop_without_consent:
                    batch = batch.filter(pc.invert(pc.fill_null(batch.column(consent_at + 1), False)))
                if country_index is None:
                    for j, name in enumerate(outcome_cols):
                        for item in pc.value_counts(batch.column(first_outcome + j)).to_pylist():
                            outcomes[f"{name}\t{item['values']}"] += item["counts"]
                else:
                    count_by_country(batch, country_index, first_outcome, outcome_cols, outcomes)
                data = [batch.column(i).to_pylist() for i in range(n_out)]
                for row in zip(*data, strict=True):
                    writer.write(serialize(row))
                rows_out += batch.num_rows
            writer.close()
        finally:
            writer.discard()
        stats = json.dumps(
            {
                "rows_in": rows_in,
                "rows_out": rows_out,
                "outcomes": outcomes,
                "failures": failures,
                "consent": consent,
                "consent_invalid": consent_invalid,
            }
        )
        rows = [("part", chunk, idx, r, s, "") for idx, r, s in staged] + [("stats", chunk, -1, 0, 0, stats)]
        names = ["kind", "chunk", "idx", "rows", "size", "payload"]
        yield pa.RecordBatch.from_arrays(
            [
                pa.array([r[0] for r in rows], pa.string()),
                pa.array([r[1] for r in rows], pa.int32()),
                pa.array([r[2] for r in rows], pa.int32()),
                pa.array([r[3] for r in rows], pa.int64()),
                pa.array([r[4] for r in rows], pa.int64()),
                pa.array([r[5] for r in rows], pa.string()),
            ],
            names=names,
        )

    return write


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
        df = _read(spark, plan)
        if plan.input_format is InputFormat.PARQUET:
            missing = [c for c in plan.header if c not in df.columns]
            if missing:
                raise InputError(plan.inputs[0].name, "column not found by Spark", column=missing[0])
        if df.rdd.getNumPartitions() < parallelism:
            # One big gzip file is a single split: spread the (expensive) hashing over every core.
            df = df.repartition(parallelism)
        transformed, outcome_cols, fail_cols = _transform(df, plan)
        write = _partition_writer(
            output_format=plan.output_format,
            columns=plan.output_columns,
            outcome_cols=outcome_cols,
            fail_cols=fail_cols,
            cap=plan.config.partition_cap_bytes,
            targets=[(stage.target.spec, stage.layout) for stage in stages],
            consent_cols=list(plan.config.consent),
            drop_without_consent=plan.config.missing_consent == "drop",
            country_column=plan.country_column,
        )
        try:
            meta = transformed.mapInArrow(write, _META_SCHEMA).collect()
        except Exception as exc:
            raise _translate_spark_error(plan, exc) from None
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)
    return _collect(plan, stages, meta, outcome_cols)


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


def _locate_malformed(plan: JobPlan) -> InputError | None:
    """The local readers' error (file and line, never the row) for a record Spark found malformed:
    read again only on this failure path."""
    from amc_uploader.job.inputs import open_reader

    for f in plan.inputs:
        try:
            with open_reader(f, plan.input_format, plan.gzipped[f.uri], plan.config.csv) as reader:
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
    for row in meta:
        if row["kind"] != "stats":
            continue
        stats = json.loads(row["payload"])
        rows_in += stats["rows_in"]
        rows_out += stats["rows_out"]
        outcomes.update(stats["outcomes"])
        failures.update(stats["failures"])
        for code, count in stats["consent"].items():
            consent.add_code(code, count)
        for entry, count in stats["consent_invalid"].items():
            column, reason = entry.split("\t", 1)
            consent.add_invalid(column, reason, count)
    for stage in stages:
        for chunk, idx, n_rows, size in parts:
            key = stage.layout.partition_key(idx, plan.output_format, chunk=chunk)
            stage.add_staged(PartitionInfo(key=key, uri=stage.target.uri(key), rows=n_rows, size_bytes=size))
    if plan.country_column is not None:
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
        return bool(df.where(violation).limit(1).count())
    except Exception as exc:
        raise _translate_spark_error(plan, exc) from None
