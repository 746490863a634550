from __future__ import annotations

import csv
import sys

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command()
    def demo(
        country: str = typer.Option("US", "--country", help="Country of the bundled sample file."),
    ) -> None:
        """Provisional main job: normalize the bundled sample customer file and print the report."""
        from rich.console import Console

        from amc_normalize import NormalizationReport, normalize_records
        from amc_uploader.samples import sample_path

        path = sample_path(country)
        spec = {
            "first_name": "FIRST_NAME",
            "last_name": "LAST_NAME",
            "email": "EMAIL",
            "phone": "PHONE",
            "address": "ADDRESS",
            "city": "CITY",
            "state": "STATE",
            "zip": "ZIP",
        }
        report = NormalizationReport()
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            present = {k: v for k, v in spec.items() if k in (reader.fieldnames or [])}
            rows = sum(1 for _ in normalize_records(reader, present, country.upper(), report=report))
        console = Console(file=sys.stdout)
        console.print(f"Normalized {rows} rows of {path.name} ({country.upper()})")
        console.print(report.render())
