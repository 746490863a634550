"""`amc-uploader serve` (the whole product locally) and `amc-uploader demo` (the main job, end to end)."""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from amc_normalize.extras import needs_extra
from amc_uploader.commands.options import Choices, Command
from amc_uploader.samples import available_samples

DEFAULT_STATE_DIR = Path(".amc-uploader")
SAMPLE_COUNTRIES = Choices(available_samples())


def _render_report(console: Any, result: Any) -> None:
    from rich.table import Table

    report = result.report
    inst = result.instance
    summary = Table(title="Job", show_header=False)
    for label, value in (
        ("job id", result.job["jobId"]),
        ("dataset", result.dataset.get("datasetId")),
        ("instance", inst.get("instanceId")),
        ("AMC upload", f"{inst.get('uploadId')} ({inst.get('uploadStatus')})"),
        ("rows in / out", f"{report.get('rows_in')} / {report.get('rows_out')}"),
        ("partitions", str(report.get("partitions"))),
        ("bytes staged", str(report.get("bytes_written"))),
        ("seconds", f"{result.seconds:.1f}"),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    columns = (report.get("normalization") or {}).get("columns") or {}
    if columns:
        from amc_normalize.report import reason_legend

        codes = [code for c in columns.values() for code in c.get("invalid_by_reason") or {}]
        legend = "\n".join(reason_legend(codes)) or None
        table = Table(title="Normalization report (counts only)", caption=legend, caption_justify="left")
        for head in ("column", "PII type", "rows", "ok", "null", "prehashed", "invalid", "invalid reasons"):
            table.add_column(head)
        for name, c in columns.items():
            reasons = ", ".join(f"{r}: {n}" for r, n in (c.get("invalid_by_reason") or {}).items())
            table.add_row(
                name,
                str(c.get("pii_type")),
                *(str(c.get(k, 0)) for k in ("rows", "ok", "null", "prehashed", "invalid")),
                reasons or "-",
            )
        console.print(table)
    metrics = inst.get("metrics") or {}
    rows = Table(title="AMC upload row counts")
    rows.add_column("metric")
    rows.add_column("value")
    for k, v in metrics.items():
        rows.add_row(str(k), str(v))
    console.print(rows)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command(cls=Command)
    def serve(
        port: Annotated[
            int, typer.Option("--port", metavar="PORT", help="Port of the web app and API (0 = any free).")
        ] = 8080,
        state_dir: Annotated[
            Path,
            typer.Option(
                "--state-dir", metavar="DIR", help="Where the local AWS state, sandbox and login are kept."
            ),
        ] = DEFAULT_STATE_DIR,
        host: Annotated[
            str, typer.Option("--host", metavar="HOST", help="Loopback address to bind.")
        ] = "127.0.0.1",
        web_dist: Annotated[
            Path | None,
            typer.Option(
                "--web-dist",
                metavar="DIR",
                envvar="AMC_WEB_DIST",
                help="The built web app (default: web/dist).",
            ),
        ] = None,
    ) -> None:
        """Run the whole product locally: web app at http://HOST:PORT/, API at /api. Ctrl-C stops it."""
        from rich.console import Console

        with needs_extra("api", "the local stack"):
            from amc_uploader.api.logs import configure_logging
            from amc_uploader.local import LocalStack, LocalStackError

        configure_logging()
        console = Console(file=sys.stdout)
        try:
            stack = LocalStack(state_dir, host=host, port=port, web_dist=web_dist)
        except LocalStackError as exc:
            raise _fail(f"local stack failed to start: {exc}") from None
        try:
            stack.start()
        except Exception as exc:
            stack.stop()
            reason = str(exc) if isinstance(exc, LocalStackError) else type(exc).__name__
            raise _fail(f"local stack failed to start: {reason}") from None
        assert stack.admin is not None
        console.print(f"AMC Uploader is running: [bold]{stack.url}/[/bold]  (API: {stack.url}/api)")
        if stack.web_dist is None:
            console.print("[yellow]The web app is not built (cd web && npm ci && npm run build).[/yellow]")
        if stack.admin.created:
            console.print(
                f"First administrator: user [bold]{stack.admin.username}[/bold], password "
                f"[bold]{stack.admin.password}[/bold] (shown once; kept private in {state_dir})"
            )
        else:
            console.print(f"Sign in as [bold]{stack.admin.username}[/bold] (password shown on first start).")
        console.print(f"State: {state_dir.resolve()}. Press Ctrl-C to stop.")
        stopped = threading.Event()
        try:
            while not stopped.wait(1.0):
                pass
        except KeyboardInterrupt:
            console.print("stopping...")
        finally:
            stack.stop()

    @app.command(cls=Command)
    def demo(
        country: Annotated[
            str, SAMPLE_COUNTRIES.option("--country", "-c", help="Country of the bundled sample file.")
        ] = "US",
        state_dir: Annotated[
            Path | None,
            typer.Option("--state-dir", metavar="DIR", help="State directory (default: a fresh temp dir)."),
        ] = None,
        timeout: Annotated[
            float, typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for AMC.")
        ] = 180.0,
    ) -> None:
        """The main job: upload the bundled sample customer file end to end on the local stack (moto S3,
        AMC sandbox) and print the report and AMC's row counts. Exits non-zero if any step fails."""
        from rich.console import Console

        from amc_uploader.samples import sample_path

        with needs_extra("api", "the demo"):
            from amc_uploader.api.logs import configure_logging
            from amc_uploader.local.demo import DemoError, run_demo

        configure_logging(logging.WARNING)
        # Wide enough for the report table when the output is not a terminal (CI logs, pipes).
        console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 132)
        sample = Path(sample_path(country.upper()))
        with tempfile.TemporaryDirectory(prefix="amc-demo-") as tmp:
            target = state_dir or Path(tmp)
            try:
                result = run_demo(
                    target,
                    sample,
                    country_code=country.upper(),
                    timeout=timeout,
                    progress=lambda text: console.print(f"- {text}"),
                )
            except DemoError as exc:
                raise _fail(f"demo failed: {exc}") from None
        _render_report(console, result)
        console.print(
            f"[green]AMC upload {result.instance.get('uploadId')} reached "
            f"{result.instance.get('uploadStatus')}[/green]"
        )
