"""`amc-uploader sandbox`: run the local AMC sandbox in the foreground."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amc_normalize.extras import needs_extra
from amc_uploader.commands.options import Command


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command(name="sandbox", cls=Command)(sandbox)


def sandbox(
    *,
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port to listen on (0 = any free port).")
    ] = 8765,
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Interface to bind.")] = "127.0.0.1",
    state_dir: Annotated[
        Path,
        typer.Option("--state-dir", metavar="DIR", help="Directory holding the sandbox state (JSON files)."),
    ] = Path(".amc-sandbox"),
    s3_endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--s3-endpoint-url",
            metavar="URL",
            envvar="AWS_ENDPOINT_URL",
            help="S3 endpoint the upload worker reads from (e.g. a moto server); default: AWS.",
        ),
    ] = None,
    processing_delay: Annotated[
        float,
        typer.Option(
            "--processing-delay",
            metavar="SECONDS",
            help="Seconds an upload stays SUBMITTED, then IN_PROGRESS.",
        ),
    ] = 1.0,
    token_lifetime: Annotated[
        int | None,
        typer.Option("--token-lifetime", metavar="SECONDS", help="Access token lifetime in seconds."),
    ] = None,
) -> None:
    """Run a local AMC + Login-with-Amazon sandbox (Ctrl-C stops it)."""
    with needs_extra("sandbox", "the AMC sandbox"):
        from amc_sandbox import SandboxServer

    server = SandboxServer(
        state_dir,
        host=host,
        port=port,
        s3_endpoint_url=s3_endpoint_url,
        processing_delay=processing_delay,
        token_lifetime=token_lifetime,
    )
    typer.echo(f"AMC sandbox on {server.base_url} (state in {state_dir.resolve()})")
    typer.echo("Point the CLI at it (public dummy credentials):")
    for key, value in server.env().items():
        typer.echo(f"export {key}='{value}'")
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a graceful shutdown
        typer.echo("AMC sandbox stopped")
