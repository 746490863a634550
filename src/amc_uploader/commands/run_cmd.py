"""`amc-uploader run`: the upload job from a TOML/JSON config and/or flags (issue 4)."""

from __future__ import annotations

import json
import logging
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, get_args

import typer

from amc_client.models import ConsentType, DataType, UpdateStrategy
from amc_uploader.commands.options import COUNTRY_LIST, Choices, Force, country_option, refuse_overwrite
from amc_uploader.job.config import Engine, OutputFormat
from amc_uploader.job.consent import MISSING_CONSENT_POLICIES

logger = logging.getLogger(__name__)

ENGINES = Choices(get_args(Engine))
OUTPUT_FORMATS = Choices(get_args(OutputFormat))
UPDATE_STRATEGIES = Choices(UpdateStrategy)
MISSING_CONSENT = Choices(MISSING_CONSENT_POLICIES)


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        column, sep, value = item.partition("=")
        if not sep or not column.strip() or not value.strip():
            raise typer.BadParameter(f"expected COLUMN=VALUE, got {item!r}", param_hint=flag)
        out[column.strip()] = value.strip()
    return out


def _load_raw(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint="--config") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"{path} is not valid TOML/JSON: {exc}", param_hint="--config") from None
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{path} must hold a table/object", param_hint="--config")
    return data


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("run")
    def run(  # noqa: PLR0917
        config: Annotated[
            Path | None, typer.Option("--config", metavar="PATH", help="Job file (.toml or .json).")
        ] = None,
        inputs: Annotated[
            list[str] | None,
            typer.Option(
                "--input",
                "-i",
                metavar="PATH",
                help="Input path, glob, directory or s3:// URI (repeatable).",
            ),
        ] = None,
        country: Annotated[
            str | None,
            country_option(
                f"Country of the records ({COUNTRY_LIST}; a code, alpha-3 code or name); with "
                "--country-column: the default of blanks."
            ),
        ] = None,
        country_column: Annotated[
            str | None,
            typer.Option(
                "--country-column",
                metavar="COLUMN",
                help="Column holding each row's country (declared isCountryCode).",
            ),
        ] = None,
        pii: Annotated[
            list[str] | None,
            typer.Option(
                "--pii", "-p", metavar="COLUMN=TYPE", help="A PII column, e.g. email=EMAIL (repeatable)."
            ),
        ] = None,
        consent: Annotated[
            list[str] | None,
            typer.Option(
                "--consent",
                metavar="COLUMN=KIND",
                help=f"A consent column (repeatable; not hashed); KIND: {' '.join(ConsentType)}.",
            ),
        ] = None,
        missing_consent: Annotated[
            str | None,
            MISSING_CONSENT.option(
                "--missing-consent", help="EEA/UK rows without a valid consent signal (default: drop)."
            ),
        ] = None,
        drop: Annotated[
            list[str] | None,
            typer.Option("--drop", metavar="COLUMN", help="Column to leave out (repeatable)."),
        ] = None,
        column_type: Annotated[
            list[str] | None,
            typer.Option(
                "--type",
                metavar="COLUMN=DATATYPE",
                help=f"A column's AMC type (repeatable), e.g. birthday=DATE; DATATYPE: {' '.join(DataType)}.",
            ),
        ] = None,
        event_time: Annotated[
            str | None, typer.Option("--event-time", metavar="COLUMN", help="Main event-time column (FACT).")
        ] = None,
        dataset_id: Annotated[
            str | None, typer.Option("--dataset-id", metavar="ID", help="AMC dataset id.")
        ] = None,
        instances: Annotated[
            list[str] | None,
            typer.Option("--instance", metavar="ID", help="AMC instance id (repeatable)."),
        ] = None,
        output: Annotated[
            str | None,
            typer.Option(
                "--output", "-o", metavar="DIR|S3_URI", help="Local directory or s3://bucket/prefix."
            ),
        ] = None,
        file_format: Annotated[
            str | None,
            OUTPUT_FORMATS.option(
                "--format", help="Staged file format (default: CSV, JSONL for JSON input)."
            ),
        ] = None,
        engine: Annotated[
            str | None, ENGINES.option("--engine", help="Where the job runs (default: local).")
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers",
                min=1,
                metavar="N",
                help="Local engine: worker processes (default: available cores).",
            ),
        ] = None,
        report: Annotated[
            Path | None, typer.Option("--report", metavar="PATH", help="Also write the report JSON here.")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Report only: nothing staged or uploaded.")
        ] = False,
        stage_only: Annotated[
            bool,
            typer.Option(
                "--stage-only",
                help="Stage files and manifests; no AMC call (dataset and instance ids default to 'staged').",
            ),
        ] = False,
        job_id: Annotated[
            str | None, typer.Option("--job-id", metavar="ID", help="Re-use to resume/dedupe a job.")
        ] = None,
        update_strategy: Annotated[
            str | None,
            UPDATE_STRATEGIES.option(
                "--update-strategy", help="How AMC merges the upload (default: ADDITIVE)."
            ),
        ] = None,
        partition_cap: Annotated[
            int | None, typer.Option("--partition-cap", metavar="BYTES", help="Max gzip bytes per file.")
        ] = None,
        max_timestamp_failures: Annotated[
            float | None,
            typer.Option(
                "--max-timestamp-failures",
                metavar="SHARE",
                help="Share of rows (0..1) allowed to have bad timestamps.",
            ),
        ] = None,
        s3_endpoint_url: Annotated[
            str | None, typer.Option("--s3-endpoint-url", metavar="URL", help="e.g. a local moto server.")
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the result as JSON instead of tables.")
        ] = False,
        force: Force = False,
    ) -> None:
        """Normalize, hash, stage and upload files to AMC."""
        from rich.console import Console

        from amc_normalize.report import reason_legend
        from amc_uploader.job import JobConfig, JobError, run_job

        data: dict[str, Any] = _load_raw(config) if config else {}
        overrides: dict[str, Any] = {
            "inputs": inputs or None,
            "country_code": country,
            "country_column": country_column,
            "drop": drop or None,
            "event_time": event_time,
            "dataset_id": dataset_id,
            "instances": instances or None,
            "output": output,
            "file_format": file_format,
            "engine": engine,
            "workers": workers,
            "job_id": job_id,
            "update_strategy": update_strategy,
            "partition_cap_bytes": partition_cap,
            "max_timestamp_failure_share": max_timestamp_failures,
            "s3_endpoint_url": s3_endpoint_url,
            "missing_consent": missing_consent,
        }
        data.update({k: v for k, v in overrides.items() if v is not None})
        if pii:
            data["pii"] = {**data.get("pii", {}), **_pairs(pii, "--pii")}
        if consent:
            data["consent"] = {**data.get("consent", {}), **_pairs(consent, "--consent")}
        if column_type:
            types = {k: v.upper() for k, v in _pairs(column_type, "--type").items()}
            data["column_types"] = {**data.get("column_types", {}), **types}
        if dry_run:
            data["dry_run"] = True
        if stage_only:
            data["stage_only"] = True
        refuse_overwrite(force, report)

        err = Console(stderr=True)
        out = Console()
        try:
            job = JobConfig.from_mapping(data)
            result = _run_with_progress(job, err, run_job)
        except JobError as exc:
            _error(err, exc)
            raise typer.Exit(2) from None
        except Exception as exc:
            from amc_client import AmcError
            from amc_normalize import NormalizationConfigError

            if isinstance(exc, AmcError | NormalizationConfigError):
                _error(err, exc)
                raise typer.Exit(1) from None
            raise
        if report is not None:
            report.write_text(result.report.model_dump_json(indent=2) + "\n")
        _country_column_hint(job.country_column, result.report.output_columns, err)
        if as_json:
            sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
            return
        out.print(result.report.render())
        # The normalization table has its legend; the consent counts of the summary get theirs here.
        for line in reason_legend((result.report.consent or {}).get("reasons", {})):
            out.print(line, highlight=False, markup=False)
        for item in result.instances:
            status = f"upload {item.upload_id}" if item.upload_id else "staged (no upload)"
            reused = " (reused earlier staging)" if item.reused_staging else ""
            out.print(f"{item.instance_id}: {item.manifest_uri} -> {status}{reused}", highlight=False)
        if job.dry_run:
            out.print("dry run: nothing staged, nothing uploaded")


def _error(err: Any, exc: Exception) -> None:
    """One error, one line, whatever the terminal width (the message is text, never markup)."""
    from rich.text import Text

    err.print(Text.assemble(("error:", "red"), f" {exc}"), soft_wrap=True, highlight=False)


def _country_column_hint(given: str | None, columns: list[str], err: Any) -> None:
    """A column named like a country and no --country-column: say so (the header only, no values)."""
    if given is not None:
        return
    from amc_normalize.suggest import country_column_candidates

    candidates = country_column_candidates(columns)
    if candidates:
        column = candidates[0]
        err.print(
            f"hint: column {column!r} looks like each row's country: add --country-column {column} to hash "
            "every row by its own country's rules",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _run_with_progress(job: Any, err: Any, run_job: Any) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    spark = None
    if job.engine == "spark":
        from amc_normalize.extras import needs_extra

        with needs_extra("spark", "the Spark engine"):
            from amc_uploader.job.spark_engine import build_spark_session

        spark = build_spark_session()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("validating", total=None, rows=0)

        def progress(event: Any) -> None:
            total = event.total_bytes
            bar.update(
                task,
                description=event.phase,
                total=total if event.phase == "transform" and total else None,
                completed=event.bytes_read if event.phase == "transform" else 0,
                rows=event.rows,
            )

        try:
            return run_job(job, progress=progress, spark=spark)
        finally:
            if spark is not None:
                spark.stop()
