"""`amc-uploader` command line: each command group lives in its own module under `commands/`."""

from __future__ import annotations

import sys

import typer

from amc_normalize.extras import MissingExtraError, extra_for
from amc_uploader import __version__
from amc_uploader.commands import amc_cmd, forget_cmd, normalize_cmd, run_cmd, sandbox_cmd, serve_cmd

app = typer.Typer(
    name="amc-uploader",
    help="Normalize, hash, stage and upload first-party data to Amazon Marketing Cloud.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """AMC Uploader."""


for _module in (normalize_cmd, amc_cmd, sandbox_cmd, run_cmd, serve_cmd, forget_cmd):
    _module.register(app)


def main() -> None:
    try:
        app()
    except ImportError as exc:
        # A command whose optional dependencies are not installed: one line naming the extra.
        extra = extra_for(exc)
        if extra is None:
            raise
        missing = exc if isinstance(exc, MissingExtraError) else MissingExtraError(extra, "this command")
        typer.echo(f"amc-uploader: {missing}", err=True)
        sys.exit(2)
