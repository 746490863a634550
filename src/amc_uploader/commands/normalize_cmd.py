"""`amc-uploader normalize` and `amc-uploader inspect`: thin adapters over amc_normalize and amc_uploader.io.

Exit status: 0 success; 1 bad input data (the one-line reason names file, line and column); 2 bad
configuration or usage (unknown PII type, unsupported country, unreadable path). Values never appear in
any message: only counts, column names and line numbers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from amc_client.models import ConsentType
from amc_normalize import PiiType
from amc_uploader.commands.options import (
    COUNTRY_LIST,
    Choices,
    Command,
    Force,
    country_option,
    refuse_overwrite,
)
from amc_uploader.job.consent import MISSING_CONSENT_POLICIES, MissingConsent

EXIT_BAD_INPUT = 1
EXIT_BAD_CONFIG = 2
_PROGRESS_EVERY = 2048

MISSING_CONSENT = Choices(MISSING_CONSENT_POLICIES)
PII_TYPE_LIST = " ".join(PiiType)
CONSENT_KIND_LIST = " ".join(ConsentType)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("normalize", cls=Command)
    def normalize_command(
        input_path: Annotated[
            Path, typer.Argument(metavar="INPUT", help="CSV, TSV, JSON lines or Parquet, optionally .gz.")
        ],
        output_path: Annotated[
            Path, typer.Argument(metavar="OUTPUT", help="CSV, TSV or JSON lines, optionally .gz.")
        ],
        *,
        country: Annotated[
            str | None,
            country_option(
                f"Country of the records ({COUNTRY_LIST}; a code, alpha-3 code or name); with "
                "--country-column, the default of blanks."
            ),
        ] = None,
        country_column: Annotated[
            str | None,
            typer.Option(
                "--country-column",
                metavar="COLUMN",
                help="Column holding each record's country (staged as its code).",
            ),
        ] = None,
        pii: Annotated[
            list[str],
            typer.Option(
                "--pii",
                "-p",
                metavar="COLUMN=TYPE",
                help=f"A PII column (repeatable), e.g. email=EMAIL; TYPE: {PII_TYPE_LIST}.",
            ),
        ],
        report_path: Annotated[
            Path | None, typer.Option("--report", metavar="PATH", help="Also write the report as JSON.")
        ] = None,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="No progress bar and no report table.")
        ] = False,
        delimiter: Annotated[
            str | None,
            typer.Option(
                "--delimiter",
                metavar="CHAR",
                help="Input CSV delimiter (default: tab for .tsv, else from the header line).",
            ),
        ] = None,
        consent: Annotated[
            list[str] | None,
            typer.Option(
                "--consent",
                metavar="COLUMN=KIND",
                help=f"A consent column (repeatable); KIND: {CONSENT_KIND_LIST}.",
            ),
        ] = None,
        missing_consent: Annotated[
            str,
            MISSING_CONSENT.option("--missing-consent", help="EEA/UK rows without a valid consent signal."),
        ] = "drop",
        force: Force = False,
    ) -> None:
        """Normalize and SHA-256 hash the PII columns of a file; other columns are copied unchanged.
        Consent columns are checked, never hashed; EEA/UK rows without usable consent: --missing-consent."""
        from rich.console import Console

        from amc_normalize import ColumnSpec, NormalizationConfigError, NormalizationReport, normalize_records
        from amc_normalize.registry import canonical_country
        from amc_normalize.report import reason_legend
        from amc_normalize.row_country import resolve_default
        from amc_normalize.suggest import country_column_candidates
        from amc_uploader.io import (
            CsvDialect,
            RecordFileError,
            RecordWriter,
            detect_kind,
            open_table,
            output_kind,
        )
        from amc_uploader.job import consent as consent_rule
        from amc_uploader.job.report import consent_rows

        try:
            if country is None and country_column is None:
                raise NormalizationConfigError("give --country, --country-column or both")
            spec = ColumnSpec.parse(pii)
            if country_column is None:
                assert country is not None
                spec.validate(country)
            else:
                resolve_default(country)
            in_kind, out_kind = detect_kind(input_path), output_kind(output_path)
            consent_columns = consent_rule.parse_consent_spec(consent or [])
        except (NormalizationConfigError, RecordFileError) as exc:
            raise _fail(str(exc), EXIT_BAD_CONFIG) from None
        except ValueError as exc:
            raise _fail(f"--consent: {exc}", EXIT_BAD_CONFIG) from None
        check = consent_rule.ConsentCheck.for_records(
            consent_columns, cast("MissingConsent", missing_consent)
        )
        if input_path.exists() and output_path.exists() and input_path.resolve() == output_path.resolve():
            raise _fail("OUTPUT must differ from INPUT", EXIT_BAD_CONFIG)
        refuse_overwrite(force, output_path, report_path)
        if not input_path.is_file():
            raise _fail(f"{input_path}: file not found", EXIT_BAD_CONFIG)

        report = NormalizationReport()
        with ExitStack() as stack:
            try:
                reader = stack.enter_context(open_table(input_path, in_kind, dialect=CsvDialect(delimiter)))
                # Not spec.check_columns: its message lists the header, which may be a row of data.
                absent = spec.missing(reader.columns)
                if absent:
                    raise RecordFileError(
                        input_path, "column named in --pii is not in the file", column=absent[0]
                    )
                if country_column is not None and country_column not in reader.columns:
                    raise RecordFileError(input_path, "country column not found", column=country_column)
                missing = [c for c in consent_columns if c not in reader.columns]
                if missing:
                    raise RecordFileError(input_path, "consent column is not in the file", column=missing[0])
                writer = RecordWriter(output_path, reader.columns, out_kind)
            except (RecordFileError, NormalizationConfigError) as exc:
                raise _fail(str(exc), EXIT_BAD_INPUT) from None
            try:
                consented = consent_rule.filter_records(
                    reader.records(),
                    check,
                    _record_country(country, country_column),
                    lambda: (str(input_path), reader.line),
                )
                records: Iterator[dict[str, Any]] = normalize_records(
                    consented, spec, country, report=report, country_column=country_column
                )
                progress = None
                if not quiet and sys.stderr.isatty():
                    progress = stack.enter_context(_progress_bar(Console(stderr=True)))
                    task = progress.add_task(input_path.name, total=reader.size or None)
                for count, record in enumerate(records, start=1):
                    try:
                        writer.write(record)
                    except RecordFileError as exc:
                        raise RecordFileError(
                            input_path,
                            f"{exc.reason} of {output_path.name}",
                            line=reader.line,
                            column=exc.column,
                        ) from None
                    if progress is not None and count % _PROGRESS_EVERY == 0:
                        progress.update(task, completed=reader.bytes_read)
                if progress is not None:
                    progress.update(task, completed=reader.size)
                writer.commit()
            except (RecordFileError, NormalizationConfigError, consent_rule.ConsentError) as exc:
                writer.abort()
                raise _fail(str(exc), EXIT_BAD_INPUT) from None
            except BaseException:
                writer.abort()
                raise

        if report_path is not None:
            payload = {
                "input": str(input_path),
                "output": str(output_path),
                "country_code": canonical_country(country) if country else None,
                "country_column": country_column,
                "spec": spec.to_strings(),
                **report.to_dict(),
                "consent": check.counts.to_dict(),
            }
            report_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        if not quiet:
            # Piped output (logs, CI) gets a wide table instead of rich's 80-column default.
            console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
            where = canonical_country(country) if country else "per row"
            title = f"{input_path.name} -> {output_path.name} ({where})"
            console.print(report.render(title=title))
            countries = report.render_countries()
            if countries is not None:
                console.print(countries)
            console.print(f"{writer.rows} rows written, {report.invalid} invalid values dropped")
            consent_counts = check.counts.to_dict()
            for label, value in consent_rows(consent_counts):
                console.print(f"{label}: {value}", highlight=False)
            for line in reason_legend(consent_counts.get("reasons", {})):
                console.print(line, highlight=False, markup=False)
            hinted = (
                next(iter(country_column_candidates(reader.columns)), None)
                if country_column is None
                else None
            )
            if hinted is not None:
                typer.echo(
                    f"hint: column {hinted!r} looks like each row's country: add --country-column {hinted} "
                    "to hash every row by its own country's rules",
                    err=True,
                )

    @app.command("inspect", cls=Command)
    def inspect_command(
        input_path: Annotated[
            Path, typer.Argument(metavar="INPUT", help="CSV, TSV, JSON lines or Parquet, optionally .gz.")
        ],
        *,
        country: Annotated[
            str | None, country_option(f"Country for postal/state hints ({COUNTRY_LIST}).")
        ] = None,
        country_column: Annotated[
            str | None,
            typer.Option(
                "--country-column",
                metavar="COLUMN",
                help="Column holding each row's country: hints by row country.",
            ),
        ] = None,
        rows: Annotated[
            int, typer.Option("--rows", min=1, metavar="N", help="How many records to sample.")
        ] = 1000,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    ) -> None:
        """Columns, inferred data types, fill rates and suggested PII types. Prints no values."""
        from rich.console import Console
        from rich.table import Table

        from amc_normalize import NormalizationConfigError, suggest_pii_types
        from amc_normalize.mismatch import MISMATCH_TYPES, country_mismatch
        from amc_normalize.registry import canonical_country
        from amc_normalize.row_country import suggest_pii_types_by_country
        from amc_normalize.suggest import country_column_candidates
        from amc_uploader.io import RecordFileError, cell_text, detect_kind, infer_type, read_head

        if not input_path.is_file():
            raise _fail(f"{input_path}: file not found", EXIT_BAD_CONFIG)
        try:
            head = read_head(input_path, rows, kind=detect_kind(input_path))
            columns = head.columns
            seen = len(head.rows)
            samples: dict[str, list[Any]] = {c: [r[i] for r in head.rows] for i, c in enumerate(columns)}
            text_samples = {c: [cell_text(v) for v in vs] for c, vs in samples.items()}
            if country_column is None:
                suggestions = suggest_pii_types(columns, text_samples, country)
            elif country_column not in columns:
                raise RecordFileError(input_path, "country column not found", column=country_column)
            else:
                suggestions = suggest_pii_types_by_country(columns, text_samples, country_column, country)
        except RecordFileError as exc:
            raise _fail(str(exc), EXIT_BAD_INPUT) from None
        except NormalizationConfigError as exc:
            raise _fail(str(exc), EXIT_BAD_CONFIG) from None

        result: list[dict[str, Any]] = []
        for c in columns:
            values = samples[c]
            filled = sum(1 for v in text_samples[c] if v is not None and v.strip() != "")
            s = suggestions[c]
            # With one country for the whole file, values of another supported country are hashed wrong.
            mismatch = (
                country_mismatch(text_samples[c], s.pii_type, canonical_country(country))
                if country and country_column is None and s.pii_type in MISMATCH_TYPES
                else []
            )
            result.append(
                {
                    "column": c,
                    "data_type": infer_type(values).value,
                    "fill_rate": round(filled / seen, 4) if seen else 0.0,
                    "suggested_pii_type": s.pii_type.value if s.pii_type else None,
                    "confidence": round(s.confidence, 2),
                    "reason": s.reason,
                    "country_mismatch": [{"country": cc, "share": round(share, 4)} for cc, share in mismatch],
                }
            )
        pii_args = " ".join(
            f"--pii {r['column']}={r['suggested_pii_type']}"
            for r in result
            if r["suggested_pii_type"] and float(r["confidence"]) >= 0.5 and " " not in str(r["column"])
        )
        warnings = [
            f"{r['column']}: {float(m['share']):.0%} of the sampled rows look like {m['country']}, "
            f"not {canonical_country(str(country))}"
            for r in result
            for m in r["country_mismatch"]
        ]
        country_columns = country_column_candidates(columns, text_samples) if country_column is None else []
        if country_columns and warnings:
            warnings.append(f"each row's own country: --country-column {country_columns[0]}")
        if as_json:
            payload = {"file": str(input_path), "rows_sampled": seen, "columns": result, "warnings": warnings}
            typer.echo(json.dumps(payload, indent=2))
            return
        table = Table(title=f"{input_path.name}: {len(columns)} columns, {seen} rows sampled")
        for name in ("column", "data type", "fill rate", "suggested PII type", "confidence", "why"):
            table.add_column(name, justify="right" if name in ("fill rate", "confidence") else "left")
        for r in result:
            table.add_row(
                str(r["column"]),
                str(r["data_type"]),
                f"{float(r['fill_rate']):.0%}",
                str(r["suggested_pii_type"] or "-"),
                f"{float(r['confidence']):.2f}",
                str(r["reason"]),
            )
        console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
        console.print(table)
        if pii_args:
            console.print(f"suggested: {pii_args}", soft_wrap=True, highlight=False)
        for warning in warnings:
            console.print(f"warning: {warning}", soft_wrap=True, highlight=False)
        if country_columns and not warnings and " " not in country_columns[0]:
            console.print(
                f"suggested: --country-column {country_columns[0]}", soft_wrap=True, highlight=False
            )


def _progress_bar(console: Any) -> Any:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _record_country(country: str | None, country_column: str | None) -> Any:
    """What the consent rule takes as a record's country: the file's, or each record's resolved one."""
    from amc_normalize.registry import canonical_country

    if country_column is None:
        return canonical_country(country) if country else None
    from amc_normalize.row_country import RowCountries

    countries = RowCountries([], country)
    return lambda record: countries.rows_for(record.get(country_column)).code
